//! Rust names from spec names: identifiers that compile whatever the spec calls things, and a
//! registry that keeps type names unique in a deterministic way.

use std::collections::BTreeSet;

/// Words of a name: split on anything that is not a letter or digit, and at lower-to-upper
/// case changes (`userSignedUp` -> `user`, `Signed`, `Up`; `HTTPServer` -> `HTTP`, `Server`).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().flat_map(transliterate).collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = cur.chars().last().as_ref() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                || (prev.is_ascii_digit() && c.is_ascii_alphabetic() && c.is_ascii_uppercase());
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A character as ASCII (deunicode's tables: `ü` -> `u`, `ß` -> `ss`, `Ω` -> `O`, `Ж` -> `Zh`,
/// `北` -> `Bei `), so that identifiers stay ASCII without losing a letter of any script. An
/// upper-case letter that becomes several letters is one word (`Æ` -> `Ae`, not `AE`).
/// Symbols stay as they are (and so separate words): `€` is not `EUR`.
pub(crate) fn transliterate(c: char) -> Vec<char> {
    if c.is_ascii() || !c.is_alphanumeric() {
        return vec![c];
    }
    let Some(text) = deunicode::deunicode_char(c) else {
        return Vec::new();
    };
    let mut out: Vec<char> = text.chars().collect();
    if c.is_uppercase() && out.len() > 1 && out.iter().all(|o| o.is_ascii_uppercase()) {
        out[1..].iter_mut().for_each(|o| o.make_ascii_lowercase());
    }
    out
}

/// Whether a letter is outside the Latin script (Latin-1, Latin Extended A/B and Additional),
/// so that a name made from it is a transliteration a reader may not recognise.
fn beyond_latin(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii() && !matches!(u32::from(c), 0xC0..=0x24F | 0x1E00..=0x1EFF)
}

/// What a note should say about the Rust name `rust` made from the spec name `spec`, when a
/// reader could not guess it: nothing usable was left (the fallback was used), or letters of
/// another script were transliterated. `None` when the name speaks for itself.
pub fn naming_note(what: &str, spec: &str, rust: &str) -> Option<String> {
    if spec.is_empty() {
        return Some(format!("the {what} `\"\"` is named `{rust}`"));
    }
    if words(spec).is_empty() {
        return Some(format!(
            "{what} `{spec}` has no letters or digits to make a Rust name from; it is named `{rust}`"
        ));
    }
    spec.chars()
        .any(beyond_latin)
        .then(|| format!("{what} `{spec}` is named `{rust}`, its letters transliterated to ASCII"))
}

/// `PascalCase`; `fallback` when nothing usable is left; a leading digit gets a prefix.
pub fn pascal(name: &str, fallback: &str) -> String {
    let mut s: String = words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect();
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    if matches!(s.as_str(), "Self") {
        s.push('_');
    }
    s
}

/// `snake_case`, a valid identifier (keywords become raw identifiers or get a suffix).
pub fn snake(name: &str, fallback: &str) -> String {
    let mut s = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("_{s}");
    }
    s
}

/// Keywords that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords (2024 edition, strict and reserved).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// An identifier as Rust source, for a name already in snake or Pascal case: keywords
/// become raw identifiers (`r#type`), those that cannot be (`self`) get a `_`.
pub fn ident_text(name: &str) -> std::borrow::Cow<'_, str> {
    if NOT_RAW.contains(&name) {
        format!("{name}_").into()
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}").into()
    } else {
        name.into()
    }
}

/// A string as a Rust string literal.
pub fn string_literal(s: &str) -> String {
    format!("{s:?}")
}

/// An identifier token for a name already in snake or Pascal case.
pub fn ident(name: &str) -> proc_macro2::Ident {
    if NOT_RAW.contains(&name) {
        return proc_macro2::Ident::new(&format!("{name}_"), proc_macro2::Span::call_site());
    }
    if KEYWORDS.contains(&name) {
        return proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site());
    }
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}

/// How a [`Registry`] makes a taken name unique.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Case {
    /// `Payload2` (a trailing `_`, as in `Self_`, is dropped first).
    #[default]
    Pascal,
    /// `field_2`.
    Snake,
}

/// Names handed out so far in one namespace (the types of a crate, the fields of a struct,
/// the methods of a trait); a taken name gets the smallest free numeric suffix, so the
/// choice depends only on the order of the claims.
#[derive(Debug, Default)]
pub struct Registry {
    taken: BTreeSet<String>,
    case: Case,
}

impl Registry {
    pub fn new(case: Case) -> Self {
        Registry {
            taken: BTreeSet::new(),
            case,
        }
    }

    /// Reserves names defined elsewhere, which claims must not take.
    pub fn reserve<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) {
        self.taken
            .extend(names.into_iter().map(|n| n.as_ref().to_owned()));
    }

    /// Whether a name is already handed out.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// A unique name based on `base`; `Err` carries the name when a suffix was needed, so the
    /// caller can report the choice.
    pub fn claim(&mut self, base: &str) -> Result<String, String> {
        if self.taken.insert(base.to_owned()) {
            return Ok(base.to_owned());
        }
        let stem = match self.case {
            Case::Pascal => base.trim_end_matches('_'),
            Case::Snake => base,
        };
        let mut n = 2;
        loop {
            let candidate = match self.case {
                Case::Pascal => format!("{stem}{n}"),
                Case::Snake => format!("{stem}_{n}"),
            };
            if self.taken.insert(candidate.clone()) {
                return Err(candidate);
            }
            n += 1;
        }
    }

    /// [`Registry::claim`] where a suffix needs no report.
    pub fn unique(&mut self, base: &str) -> String {
        match self.claim(base) {
            Ok(n) | Err(n) => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_case_and_punctuation() {
        assert_eq!(words("userSignedUp"), ["user", "Signed", "Up"]);
        assert_eq!(words("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(words("xdm:ingestionId"), ["xdm", "ingestion", "Id"]);
        assert_eq!(
            words("com.example.Foo-bar_baz"),
            ["com", "example", "Foo", "bar", "baz"]
        );
    }

    #[test]
    fn pascal_and_snake_make_identifiers() {
        assert_eq!(pascal("lightMeasured", "T"), "LightMeasured");
        assert_eq!(pascal("200-response", "T"), "V200Response");
        assert_eq!(pascal("€€", "Value"), "Value");
        assert_eq!(pascal("über", "V"), "Uber");
        assert_eq!(snake("größe", "f"), "grosse");
        assert_eq!(snake("xdm:ingestionId", "f"), "xdm_ingestion_id");
        assert_eq!(snake("1st", "f"), "_1st");
        assert_eq!(snake("@id", "f"), "id");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        // Every script has a readable ASCII name.
        assert_eq!(snake("Ωμέγα", "f"), "omega");
        assert_eq!(pascal("Привет мир", "T"), "PrivetMir");
        assert_eq!(snake("北京", "f"), "bei_jing");
        assert_eq!(pascal("Æble", "T"), "Aeble");
    }

    #[test]
    fn names_a_reader_could_not_guess_get_a_note() {
        assert_eq!(naming_note("property", "größe", "grosse"), None);
        assert_eq!(naming_note("property", "userId", "user_id"), None);
        assert_eq!(
            naming_note("property", "北京", "bei_jing").as_deref(),
            Some("property `北京` is named `bei_jing`, its letters transliterated to ASCII")
        );
        assert_eq!(
            naming_note("enum value", "€", "Empty").as_deref(),
            Some(
                "enum value `€` has no letters or digits to make a Rust name from; it is named `Empty`"
            )
        );
    }

    #[test]
    fn registry_suffixes_deterministically() {
        let mut r = Registry::default();
        assert_eq!(r.claim("Payload"), Ok("Payload".into()));
        assert_eq!(r.claim("Payload"), Err("Payload2".into()));
        assert_eq!(r.claim("Payload"), Err("Payload3".into()));
        assert_eq!(r.unique("Self_"), "Self_");
        assert_eq!(r.unique("Self_"), "Self2");
        let mut fields = Registry::new(Case::Snake);
        fields.reserve(["additional_properties"]);
        assert_eq!(
            fields.unique("additional_properties"),
            "additional_properties_2"
        );
        assert_eq!(fields.unique("id"), "id");
        assert_eq!(fields.unique("id"), "id_2");
    }
}
