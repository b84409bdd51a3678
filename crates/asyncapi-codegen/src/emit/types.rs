//! The `types` module: one item per named type of the document's schemas, with the impls
//! that would repeat from type to type written once in the runtime's macros.
//!
//! Types are most of a generated crate, and their shapes are few and simple (a struct of
//! fields, an enum of variants, a newtype), so they are written as text directly, laid out
//! as prettyplease lays out the rest, rather than built as tokens and printed.

use std::fmt::Write as _;

use super::docs::doc_lines;
use super::{StdNames, boxed_text, ty_text};
use crate::names::{ident_text, string_literal};
use crate::render::Piece;
use crate::typespace::{
    Derives, Docs, Field, Kind, Newtype, StringEnum, Struct, Tagged, Ty, TypeDef, TypeDefs, Types,
    UnionOf, Variant,
};

/// The widest line the layout aims for (as prettyplease's).
const WIDTH: usize = 100;

/// Whether any type derives serde and schemars (the module then imports their derives).
pub fn uses_derives(types: &Types) -> bool {
    types.defs.iter().any(|(_, d)| {
        matches!(
            d.kind,
            Kind::Struct(_) | Kind::Wrapper(_) | Kind::Tagged(_) | Kind::Untagged(..)
        )
    })
}

/// Whether the derives of serde and schemars are imported (unless a type took one of
/// their names).
fn imports_derives(defs: &TypeDefs) -> bool {
    !["Serialize", "Deserialize", "JsonSchema"]
        .iter()
        .any(|n| defs.shadows(n))
}

/// Whether a type implements `Deserialize` itself rather than deriving it: a struct that
/// keeps unlisted properties (`deserialize_object!`), a `oneOf` enum whose branches have
/// telling properties (`Discriminated`).
fn own_deserialize(def: &TypeDef, defs: &TypeDefs) -> bool {
    match &def.kind {
        Kind::Struct(st) => st.extra.is_some(),
        Kind::Untagged(vs, UnionOf::OneOf) => telling_properties(vs, defs).is_some(),
        _ => false,
    }
}

/// The start of the module.
pub fn prelude(types: &Types) -> Piece {
    let mut s = String::from("//! The types of the document's schemas.\n");
    if uses_derives(types) && imports_derives(&types.defs) {
        let derives_deserialize = types.defs.iter().any(|(_, d)| {
            matches!(
                d.kind,
                Kind::Struct(_) | Kind::Wrapper(_) | Kind::Tagged(_) | Kind::Untagged(..)
            ) && !own_deserialize(d, &types.defs)
        });
        s.push_str(if derives_deserialize {
            "\n#[cfg(feature = \"json-schema\")]\nuse schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\n"
        } else {
            "\n#[cfg(feature = \"json-schema\")]\nuse schemars::JsonSchema;\nuse serde::Serialize;\n"
        });
    }
    Piece::Text(s)
}

/// Doc comment lines for paragraphs, at `indent` columns.
fn docs(out: &mut String, paragraphs: &[String], indent: usize) {
    for line in doc_lines(paragraphs, indent) {
        push_indent(out, indent);
        out.push_str("///");
        out.push_str(&line);
        out.push('\n');
    }
}

/// The paragraphs of a type's or field's docs.
fn doc_paragraphs(d: &Docs, extra: &[String]) -> Vec<String> {
    let mut paragraphs = Vec::new();
    paragraphs.extend(d.title.clone());
    paragraphs.extend(d.description.clone());
    if let Some(v) = &d.default {
        paragraphs.push(format!("Default: `{}`", compact(v)));
    }
    for e in d.examples.iter().take(3) {
        paragraphs.push(format!("Example: `{}`", compact(e)));
    }
    if d.deprecated {
        paragraphs.push("Deprecated by the API description.".to_owned());
    }
    paragraphs.extend(extra.iter().cloned());
    paragraphs
}

/// A value as it is shown in docs: compact JSON, cut at 200 characters, without backticks.
fn compact(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v)
        .unwrap_or_default()
        .replace('`', "'");
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

/// `#[name(a, b, c)]` on one line, or one argument a line when that is too wide.
fn attr(out: &mut String, indent: usize, name: &str, args: &[String]) {
    let one = format!("#[{name}({})]", args.join(", "));
    push_indent(out, indent);
    if indent + one.len() <= WIDTH {
        out.push_str(&one);
        out.push('\n');
        return;
    }
    let _ = writeln!(out, "#[{name}(");
    for (i, a) in args.iter().enumerate() {
        push_indent(out, indent + 4);
        out.push_str(a);
        if i + 1 < args.len() {
            out.push(',');
        }
        out.push('\n');
    }
    push_indent(out, indent);
    out.push_str(")]\n");
}

/// The `derive` list; `serde`: whether serde's and schemars' derives too, imported (`true`)
/// or by path.
fn derive(out: &mut String, d: Derives, serde: Option<bool>, copy: bool) {
    derive_serialize_only(out, d, serde, copy, false);
}

/// [`derive`], without `Deserialize` when `own_deserialize` (the type implements it itself).
fn derive_serialize_only(
    out: &mut String,
    d: Derives,
    serde: Option<bool>,
    copy: bool,
    own_deserialize: bool,
) {
    let mut names: Vec<&str> = vec!["Debug", "Clone"];
    if copy {
        names.push("Copy");
    }
    names.push("PartialEq");
    if d.eq {
        names.push("Eq");
    }
    if d.hash {
        names.push("Hash");
    }
    if d.default {
        names.push("Default");
    }
    match serde {
        Some(true) => names.push("Serialize"),
        Some(false) => names.push("serde::Serialize"),
        None => {}
    }
    match serde {
        Some(true) if !own_deserialize => names.push("Deserialize"),
        Some(false) if !own_deserialize => names.push("serde::Deserialize"),
        _ => {}
    }
    let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    attr(out, 0, "derive", &names);
    // Schemas are a default-on feature: a crate that does not need them builds faster.
    match serde {
        Some(true) => out.push_str("#[cfg_attr(feature = \"json-schema\", derive(JsonSchema))]\n"),
        Some(false) => {
            out.push_str("#[cfg_attr(feature = \"json-schema\", derive(schemars::JsonSchema))]\n")
        }
        None => {}
    }
}

/// One type definition, as the items that make it.
pub fn emit_def(def: &TypeDef, defs: &TypeDefs) -> Vec<Piece> {
    let std = StdNames::of(defs);
    let serde = Some(imports_derives(defs));
    let name = ident_text(&def.name);
    let mut out = String::new();
    let origin = format!("Generated from `{}`.", def.origin);
    docs(&mut out, &doc_paragraphs(&def.docs, &[origin]), 0);
    match &def.kind {
        Kind::Pending => return Vec::new(),
        Kind::Alias(t) => {
            let _ = writeln!(out, "pub type {name} = {};", ty_text(t, defs));
        }
        Kind::Wrapper(t) => {
            derive(&mut out, def.derives, serde, false);
            out.push_str("#[serde(transparent)]\n");
            let _ = writeln!(out, "pub struct {name}(pub {});", ty_text(t, defs));
        }
        Kind::Struct(st) => {
            // Unlisted properties kept in a map: read in one pass (see `object_deserialize`)
            // rather than through serde's buffering `flatten`.
            let own_deserialize = serde.is_some() && own_deserialize(def, defs);
            derive_serialize_only(&mut out, def.derives, serde, false, own_deserialize);
            if st.deny_unknown {
                out.push_str("#[serde(deny_unknown_fields)]\n");
            }
            if st.fields.is_empty() && st.extra.is_none() {
                let _ = writeln!(out, "pub struct {name} {{}}");
            } else {
                let _ = writeln!(out, "pub struct {name} {{");
                for f in &st.fields {
                    field(&mut out, f, defs, &std);
                }
                if let Some(t) = &st.extra {
                    docs(
                        &mut out,
                        &["Properties not listed in the schema, kept so that the message round-trips.".to_owned()],
                        4,
                    );
                    let _ = writeln!(
                        out,
                        "    #[serde(flatten)]\n    pub additional_properties: {},",
                        ty_text(&Ty::Map(Box::new(t.clone())), defs)
                    );
                }
                out.push_str("}\n");
            }
            if own_deserialize {
                object_deserialize(&mut out, &name, st);
            }
        }
        Kind::Enum(e) => return string_enum(out, &def.name, e, &std),
        Kind::Tagged(t) => tagged(&mut out, def, t, defs, serde),
        Kind::Untagged(vs, _) => untagged(&mut out, def, vs, defs, serde),
        Kind::Newtype(nt) => return newtype(out, &def.name, nt, def.derives, defs),
    }
    vec![Piece::Text(out)]
}

/// The `Deserialize` of a struct with a map of unlisted properties: one
/// `asyncapi_runtime::deserialize_object!` invocation naming each field's property, and
/// `required` where an absent one is an error (fields whose type has no "absent" value).
fn object_deserialize(out: &mut String, name: &str, st: &Struct) {
    let _ = writeln!(out, "\nasyncapi_runtime::deserialize_object! {{");
    if st.fields.is_empty() {
        let _ = writeln!(out, "    {name} {{}}");
    } else {
        let _ = writeln!(out, "    {name} {{");
        for f in &st.fields {
            let absent_default =
                !f.required && matches!(f.ty, Ty::Option(_) | Ty::Value | Ty::Unit);
            let _ = writeln!(
                out,
                "        {}: {}{},",
                ident_text(&f.name),
                string_literal(&f.wire),
                if absent_default { "" } else { " required" }
            );
        }
        out.push_str("    }\n");
    }
    out.push_str("    additional_properties\n}\n");
}

/// The name serde gives a field or variant by itself (a raw identifier loses its `r#`).
fn serde_name(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

fn field(out: &mut String, f: &Field, defs: &TypeDefs, std: &StdNames) {
    let name = ident_text(&f.name);
    let ty = if f.boxed {
        boxed_text(&f.ty, defs)
    } else {
        ty_text(&f.ty, defs)
    };
    docs(out, &doc_paragraphs(&f.docs, &[]), 4);
    let mut args: Vec<String> = Vec::new();
    if serde_name(&name) != f.wire {
        args.push(format!("rename = {}", string_literal(&f.wire)));
    }
    // An optional field may be absent: `Option`, and the types that already hold `null`
    // (JSON, unit), which are not wrapped in an `Option`, default when it is.
    if !f.required {
        match &f.ty {
            Ty::Option(_) => {
                args.push("default".to_owned());
                args.push(format!("skip_serializing_if = \"{}::is_none\"", std.option));
            }
            Ty::Value => {
                args.push("default".to_owned());
                args.push("skip_serializing_if = \"serde_json::Value::is_null\"".to_owned());
            }
            Ty::Unit => {
                args.push("default".to_owned());
                args.push("skip_serializing".to_owned());
            }
            _ => {}
        }
    }
    if !args.is_empty() {
        attr(out, 4, "serde", &args);
    }
    let _ = writeln!(out, "    pub {name}: {ty},");
}

/// The camel-case words of a Rust name, as clippy splits them.
fn words(name: &str) -> Vec<String> {
    crate::names::words(name)
}

/// Whether clippy's `enum_variant_names` would object to these variant names: one that
/// starts or ends with the enum's name, or three or more that share a first or last word.
/// The names come from the document, so the lint is allowed where it applies.
pub(crate) fn variant_names_lint(enum_name: &str, variants: &[&str]) -> bool {
    let enum_words = words(enum_name);
    let starts_or_ends = variants.iter().any(|v| {
        let w = words(v);
        w.len() > enum_words.len()
            && (w[..enum_words.len()] == enum_words[..]
                || w[w.len() - enum_words.len()..] == enum_words[..])
    });
    let shared = |pick: fn(&Vec<String>) -> Option<&String>| {
        let all: Vec<Vec<String>> = variants.iter().map(|v| words(v)).collect();
        variants.len() >= 3
            && all.iter().all(|w| w.len() > 1)
            && all.windows(2).all(|p| pick(&p[0]) == pick(&p[1]))
    };
    starts_or_ends || shared(|w| w.first()) || shared(|w| w.last())
}

/// `#[allow(..)]` for the lints an enum of the document's names may trip.
fn lint_allows(out: &mut String, enum_name: &str, variants: &[&str], data: bool) {
    let mut lints = Vec::new();
    if variant_names_lint(enum_name, variants) {
        lints.push("clippy::enum_variant_names".to_owned());
    }
    if data && variants.len() > 1 {
        // Variants hold types of different sizes; boxing them would only make matching on
        // them clumsier.
        lints.push("clippy::large_enum_variant".to_owned());
    }
    if !lints.is_empty() {
        attr(out, 0, "allow", &lints);
    }
}

fn string_enum(mut out: String, name: &str, e: &StringEnum, std: &StdNames) -> Vec<Piece> {
    let enum_ident = ident_text(name);
    out.push_str(if e.open {
        "#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n"
    } else {
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n"
    });
    let names: Vec<&str> = e.variants.iter().map(|(v, _)| v.as_str()).collect();
    lint_allows(&mut out, name, &names, false);
    let _ = writeln!(out, "pub enum {enum_ident} {{");
    for (variant, wire) in &e.variants {
        docs(&mut out, &[format!("`{wire}`")], 4);
        let _ = writeln!(out, "    {},", ident_text(variant));
    }
    if e.open {
        docs(
            &mut out,
            &[
                "A value this version of the API description does not list, kept as it arrived."
                    .to_owned(),
            ],
            4,
        );
        let _ = writeln!(out, "    Unknown({}),", std.string);
    }
    out.push_str("}\n");
    let mode = if e.open { "open" } else { "strict" };
    let mut text = format!("asyncapi_runtime::string_enum! {{\n    {enum_ident} ({mode}) {{\n");
    for (variant, wire) in &e.variants {
        let _ = writeln!(
            text,
            "        {} = {},",
            ident_text(variant),
            string_literal(wire)
        );
    }
    text.push_str("    }\n}\n");
    vec![Piece::Text(out), Piece::Text(text)]
}

fn tagged(out: &mut String, def: &TypeDef, t: &Tagged, defs: &TypeDefs, serde: Option<bool>) {
    derive(
        out,
        Derives {
            default: false,
            ..def.derives
        },
        serde,
        false,
    );
    let names: Vec<&str> = t.variants.iter().map(|v| v.name.as_str()).collect();
    lint_allows(
        out,
        &def.name,
        &names,
        t.variants.iter().any(|v| v.body.is_some()),
    );
    let _ = writeln!(out, "#[serde(tag = {})]", string_literal(&t.tag));
    let _ = writeln!(out, "pub enum {} {{", ident_text(&def.name));
    for v in &t.variants {
        let vname = ident_text(&v.name);
        docs(out, &[format!("`{}` is `{}`.", t.tag, v.wire)], 4);
        if serde_name(&vname) != v.wire {
            let _ = writeln!(out, "    #[serde(rename = {})]", string_literal(&v.wire));
        }
        match v.body {
            Some(id) => {
                let body = if v.boxed {
                    boxed_text(&Ty::Named(id), defs)
                } else {
                    ty_text(&Ty::Named(id), defs)
                };
                let _ = writeln!(out, "    {vname}({body}),");
            }
            None => {
                let _ = writeln!(out, "    {vname},");
            }
        }
    }
    out.push_str("}\n");
}

/// A doc line for an untagged variant: what it holds.
fn variant_doc(t: &Ty, defs: &TypeDefs) -> String {
    match t {
        Ty::Named(id) => format!("A [`{}`].", defs[*id].name),
        Ty::String => "A string.".to_owned(),
        Ty::Bool => "A boolean.".to_owned(),
        Ty::Int(_) => "An integer.".to_owned(),
        Ty::Float(_) => "A number.".to_owned(),
        Ty::Vec(_) => "A list.".to_owned(),
        Ty::Map(_) => "An object.".to_owned(),
        Ty::Unit => "`null`.".to_owned(),
        other => format!("A `{}`.", ty_text(other, defs)),
    }
}

/// For each variant of a `oneOf`, the property that tells it apart: one it requires and no
/// other variant declares. `None` unless every variant is a struct with one.
fn telling_properties<'d>(vs: &[Variant], defs: &'d TypeDefs) -> Option<Vec<&'d str>> {
    fn struct_of<'d>(t: &Ty, defs: &'d TypeDefs, depth: usize) -> Option<&'d Struct> {
        match t {
            Ty::Named(id) if depth < 8 => match &defs[*id].kind {
                Kind::Struct(st) => Some(st),
                Kind::Alias(t) => struct_of(t, defs, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }
    if vs.len() < 2 {
        return None;
    }
    let structs: Vec<&Struct> = vs
        .iter()
        .map(|v| struct_of(&v.ty, defs, 0))
        .collect::<Option<_>>()?;
    structs
        .iter()
        .enumerate()
        .map(|(i, st)| {
            st.fields
                .iter()
                .find(|f| {
                    f.required
                        && structs
                            .iter()
                            .enumerate()
                            .all(|(j, o)| j == i || o.fields.iter().all(|g| g.wire != f.wire))
                })
                .map(|f| f.wire.as_str())
        })
        .collect()
}

fn untagged(out: &mut String, def: &TypeDef, vs: &[Variant], defs: &TypeDefs, serde: Option<bool>) {
    // Variants told apart by a property get a deserializer that reads the object once;
    // serde's untagged one buffers it and tries each variant.
    let telling = match (serde, &def.kind) {
        (Some(_), Kind::Untagged(_, UnionOf::OneOf)) => telling_properties(vs, defs),
        _ => None,
    };
    derive_serialize_only(
        out,
        Derives {
            default: false,
            ..def.derives
        },
        serde,
        false,
        telling.is_some(),
    );
    let names: Vec<&str> = vs.iter().map(|v| v.name.as_str()).collect();
    lint_allows(out, &def.name, &names, true);
    out.push_str("#[serde(untagged)]\n");
    let _ = writeln!(out, "pub enum {} {{", ident_text(&def.name));
    for v in vs {
        let ty = if v.boxed {
            boxed_text(&v.ty, defs)
        } else {
            ty_text(&v.ty, defs)
        };
        docs(out, &[variant_doc(&v.ty, defs)], 4);
        let _ = writeln!(out, "    {}({ty}),", ident_text(&v.name));
    }
    out.push_str("}\n");
    if let Some(keys) = telling {
        discriminated(out, def, vs, &keys, defs);
    }
}

/// The `Deserialize` of a `oneOf` enum whose variants have telling properties.
fn discriminated(out: &mut String, def: &TypeDef, vs: &[Variant], keys: &[&str], defs: &TypeDefs) {
    let name = ident_text(&def.name);
    let result = StdNames::of(defs).result;
    let keys: Vec<String> = keys.iter().map(|k| string_literal(k)).collect();
    let _ = writeln!(
        out,
        "\nimpl asyncapi_runtime::codegen::Discriminated for {name} {{\n    const NAME: &'static str = {};\n    const KEYS: &'static [&'static str] = &[{}];\n",
        string_literal(&def.name),
        keys.join(", ")
    );
    let _ = writeln!(
        out,
        "    fn variant<'de, D: serde::Deserializer<'de>>(\n        index: usize,\n        deserializer: D,\n    ) -> {result}<Self, D::Error> {{\n        match index {{"
    );
    for (i, v) in vs.iter().enumerate() {
        let pattern = if i + 1 == vs.len() {
            "_".to_owned()
        } else {
            i.to_string()
        };
        let _ = writeln!(
            out,
            "            {pattern} => serde::Deserialize::deserialize(deserializer).map(Self::{}),",
            ident_text(&v.name)
        );
    }
    out.push_str("        }\n    }\n}\n");
    let _ = writeln!(
        out,
        "\nimpl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> {result}<Self, D::Error> {{\n        asyncapi_runtime::codegen::deserialize_discriminated(deserializer)\n    }}\n}}"
    );
}

/// A bound as Rust source: `100.0` (the macro's rules are `f64`s).
fn float(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || !s.chars().all(|c| c.is_ascii_digit() || c == '-') {
        s
    } else {
        format!("{s}.0")
    }
}

fn newtype(mut out: String, name: &str, nt: &Newtype, d: Derives, defs: &TypeDefs) -> Vec<Piece> {
    let inner = nt.inner.clone().unwrap_or(Ty::String);
    let inner_ty = ty_text(&inner, defs);
    let name_ident = ident_text(name);
    derive(
        &mut out,
        Derives {
            default: false,
            ..d
        },
        None,
        false,
    );
    let _ = writeln!(out, "pub struct {name_ident}({inner_ty});");
    let mut rules: Vec<String> = Vec::new();
    if let Some(n) = nt.min_length {
        rules.push(format!("min_length = {n}"));
    }
    if let Some(n) = nt.max_length {
        rules.push(format!("max_length = {n}"));
    }
    if let Some(p) = &nt.pattern {
        rules.push(format!("pattern = {}", string_literal(p)));
    }
    for (key, x) in [
        ("minimum", nt.minimum),
        ("maximum", nt.maximum),
        ("exclusive_minimum", nt.exclusive_minimum),
        ("exclusive_maximum", nt.exclusive_maximum),
        ("multiple_of", nt.multiple_of),
    ] {
        if let Some(x) = x {
            rules.push(format!("{key} = {}", float(x)));
        }
    }
    let one_line = format!(
        "asyncapi_runtime::constrained!({name_ident}({inner_ty}), {});\n",
        rules.join(", ")
    );
    let text = if one_line.chars().count() <= WIDTH {
        one_line
    } else {
        let mut t = format!("asyncapi_runtime::constrained! {{\n    {name_ident}({inner_ty}),\n");
        for r in &rules {
            let _ = writeln!(t, "    {r},");
        }
        t.push_str("}\n");
        t
    };
    vec![Piece::Text(out), Piece::Text(text)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_name_lint_is_predicted() {
        assert!(variant_names_lint("Status", &["StatusOk", "Failed"]));
        assert!(variant_names_lint(
            "Code",
            &["IngLoadSuccess", "IngLoadFailure", "IngLoadPartial"]
        ));
        assert!(variant_names_lint(
            "Kind",
            &["OneEvent", "TwoEvent", "ThreeEvent"]
        ));
        assert!(!variant_names_lint("Kind", &["OneEvent", "TwoEvent"]));
        assert!(!variant_names_lint("Status", &["Ok", "Failed", "Pending"]));
    }

    #[test]
    fn floats_are_float_literals() {
        assert_eq!(float(100.0), "100.0");
        assert_eq!(float(-1.5), "-1.5");
        assert_eq!(float(1e300), "1e300");
    }

    #[test]
    fn long_attributes_break_one_argument_a_line() {
        let mut out = String::new();
        attr(&mut out, 4, "serde", &["a".repeat(50), "b".repeat(50)]);
        assert_eq!(
            out,
            format!(
                "    #[serde(\n        {},\n        {}\n    )]\n",
                "a".repeat(50),
                "b".repeat(50)
            )
        );
    }
}
