//! Channel address templates such as `smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured`:
//! matching a concrete address (and extracting its parameters) and building one from values.

use crate::error::SendError;

/// One part of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Param(String),
}

/// A parsed address template. A parameter matches one or more characters other than `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressTemplate {
    template: String,
    pieces: Vec<Piece>,
}

impl AddressTemplate {
    /// Parses a template; `{` without a closing `}` is taken literally.
    pub fn new(template: &str) -> Self {
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start + 1..].find('}') else {
                break;
            };
            if start > 0 {
                pieces.push(Piece::Literal(rest[..start].to_owned()));
            }
            pieces.push(Piece::Param(rest[start + 1..start + 1 + len].to_owned()));
            rest = &rest[start + 2 + len..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_owned()));
        }
        AddressTemplate {
            template: template.to_owned(),
            pieces,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.template
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Param(n) => Some(n.as_str()),
            Piece::Literal(_) => None,
        })
    }

    /// Matches a concrete address; on success returns each parameter's value, in order.
    pub fn matches(&self, address: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        match_from(&self.pieces, address, &mut out).then_some(out)
    }

    /// Builds a concrete address. `value` returns each parameter's value; values are inserted
    /// as they are, so a value with `/` in it changes the address's shape: callers that take
    /// values from users should reject that first (see [`Self::check_value`]).
    pub fn render(&self, mut value: impl FnMut(&str) -> String) -> String {
        let mut out = String::with_capacity(self.template.len());
        for p in &self.pieces {
            match p {
                Piece::Literal(l) => out.push_str(l),
                Piece::Param(n) => out.push_str(&value(n)),
            }
        }
        out
    }

    /// Whether a parameter value can be put in an address and matched back: non-empty, no `/`.
    pub fn check_value(value: &str) -> bool {
        !value.is_empty() && !value.contains('/')
    }

    /// Builds a concrete address from `(parameter, value)` pairs, refusing a value that
    /// cannot be matched back (see [`Self::check_value`]); a parameter not given is empty.
    pub fn render_checked(&self, values: &[(&'static str, String)]) -> Result<String, SendError> {
        if let Some((name, value)) = values.iter().find(|(_, v)| !Self::check_value(v)) {
            return Err(SendError::BadParameter {
                name,
                value: value.clone(),
            });
        }
        Ok(self.render(|n| {
            values
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }))
    }
}

/// An address template in a `static`: parsed the first time it is used.
#[derive(Debug)]
pub struct StaticAddress {
    source: &'static str,
    parsed: std::sync::OnceLock<AddressTemplate>,
}

impl StaticAddress {
    pub const fn new(source: &'static str) -> Self {
        StaticAddress {
            source,
            parsed: std::sync::OnceLock::new(),
        }
    }
}

impl std::ops::Deref for StaticAddress {
    type Target = AddressTemplate;
    fn deref(&self) -> &AddressTemplate {
        self.parsed
            .get_or_init(|| AddressTemplate::new(self.source))
    }
}

/// [`AddressTemplate::render_checked`], as generated parameter structs call it.
pub fn render_address(
    template: &AddressTemplate,
    values: &[(&'static str, String)],
) -> Result<String, SendError> {
    template.render_checked(values)
}

fn match_from(pieces: &[Piece], s: &str, out: &mut Vec<(String, String)>) -> bool {
    match pieces.first() {
        None => s.is_empty(),
        Some(Piece::Literal(l)) => s
            .strip_prefix(l.as_str())
            .is_some_and(|rest| match_from(&pieces[1..], rest, out)),
        Some(Piece::Param(name)) => {
            let limit = s.find('/').unwrap_or(s.len());
            // Shortest match first, so `{a}-{b}` splits at the first `-`; backtrack on failure.
            for end in (1..=limit).filter(|&e| s.is_char_boundary(e)) {
                out.push((name.clone(), s[..end].to_owned()));
                if match_from(&pieces[1..], &s[end..], out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AddressTemplate;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn matches_segments_and_partial_segments() {
        let t = AddressTemplate::new(
            "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
        );
        assert_eq!(
            t.matches("smartylighting/streetlights/1/0/event/lamp-7/lighting/measured"),
            Some(pairs(&[("streetlightId", "lamp-7")]))
        );
        assert_eq!(
            t.matches("smartylighting/streetlights/1/0/event//lighting/measured"),
            None
        );
        assert_eq!(
            t.matches("smartylighting/streetlights/1/0/event/a/b/lighting/measured"),
            None
        );
        let t = AddressTemplate::new("authChannel-{environmentName}");
        assert_eq!(
            t.matches("authChannel-staging"),
            Some(pairs(&[("environmentName", "staging")]))
        );
        assert_eq!(t.matches("authChannel-"), None);
        let t = AddressTemplate::new("{a}-{b}.json");
        assert_eq!(
            t.matches("x-y-z.json"),
            Some(pairs(&[("a", "x"), ("b", "y-z")]))
        );
        assert_eq!(t.params().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn literal_templates_match_exactly() {
        let t = AddressTemplate::new("user/signedup");
        assert_eq!(t.matches("user/signedup"), Some(vec![]));
        assert_eq!(t.matches("user/signedup/x"), None);
    }

    #[test]
    fn render_fills_parameters() {
        let t = AddressTemplate::new("rooms/{room}/users/{user}");
        assert_eq!(t.render(|n| format!("<{n}>")), "rooms/<room>/users/<user>");
        assert!(!AddressTemplate::check_value("a/b"));
    }
}
