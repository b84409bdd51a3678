//! Text to a JSON value: JSON when the text looks like JSON, YAML 1.2 otherwise; duplicate keys
//! and a second YAML document are located syntax errors.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::Path;

use serde::Deserializer;
use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The syntax a file was parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// A syntax error, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl Format {
    /// The format a file's name says: `.yaml`/`.yml` YAML, `.json` JSON, else none.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Parses text as JSON when it looks like JSON (its first significant character is `{` or
/// `[`), as YAML 1.2 otherwise. Same as [`parse_hinted`] with no hint: a document that starts
/// with `{` but is not JSON is a JSON syntax error.
pub fn parse(text: &str) -> Result<(Format, Value), SyntaxError> {
    parse_hinted(text, None)
}

/// Parses text, choosing JSON or YAML by content as [`parse`] does. `hint` is the format the
/// file's name says ([`Format::from_path`]): only when it says YAML is a document that starts
/// with `{` or `[` but is not JSON read as YAML (a flow collection), and its YAML error is the
/// one reported. Duplicate keys are an error in both syntaxes, and a YAML file must hold one
/// document.
pub fn parse_hinted(text: &str, hint: Option<Format>) -> Result<(Format, Value), SyntaxError> {
    let body = text.trim_start_matches('\u{feff}');
    let first = body.trim_start().chars().next();
    if matches!(first, Some('{' | '[')) {
        return match parse_json(body) {
            Ok(v) => Ok((Format::Json, v)),
            Err(_) if hint == Some(Format::Yaml) => parse_yaml(body).map(|v| (Format::Yaml, v)),
            Err(e) => Err(e),
        };
    }
    parse_yaml(body).map(|v| (Format::Yaml, v))
}

/// Removes the first ` at line L column C` (or ` at position N`) of a parser's message: it
/// becomes the diagnostic's own line and column. Later positions (`while parsing a block
/// mapping at line 6 column 5`) are context and stay.
fn strip_position(msg: &str) -> String {
    let Some(i) = msg.find(" at line ").or_else(|| msg.find(" at position ")) else {
        return msg.to_owned();
    };
    let rest = &msg[i + " at ".len()..];
    let tail = if let Some(r) = rest.strip_prefix("line ") {
        let r = r.trim_start_matches(|c: char| c.is_ascii_digit());
        match r.strip_prefix(" column ") {
            Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => r,
        }
    } else {
        rest.trim_start_matches("position ")
            .trim_start_matches(|c: char| c.is_ascii_digit())
    };
    format!("{}{tail}", &msg[..i])
}

/// Most parser messages say enough; these two get what they mean in this document.
fn explain(message: &str, text: &str, line: usize, column: usize) -> String {
    if message == "recursion limit exceeded" {
        return "values nest more than 128 deep (recursion limit exceeded)".to_owned();
    }
    let at = line
        .checked_sub(1)
        .and_then(|l| text.lines().nth(l))
        .and_then(|l| l.chars().nth(column.saturating_sub(1)));
    if at == Some('\t') && message.starts_with("found character that cannot start any token") {
        return "a tab cannot start a token here (YAML indents with spaces only)".to_owned();
    }
    message.to_owned()
}

/// The 1-based line and column of the first alias (`*name`) in YAML text, roughly: a `*`
/// after a space, `[`, `{`, `,` or `:` (or at the start of a line) followed by a name.
fn first_alias(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let chars: Vec<char> = line.chars().collect();
        (0..chars.len()).find_map(|j| {
            let before = j.checked_sub(1).map(|k| chars[k]);
            let starts = matches!(before, None | Some(' ' | '[' | '{' | ',' | ':' | '-'));
            let named = chars
                .get(j + 1)
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-'));
            (chars[j] == '*' && starts && named).then_some((i + 1, j + 1))
        })
    })
}

fn parse_json(text: &str) -> Result<Value, SyntaxError> {
    let dup = Cell::new(false);
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Unique { dup: &dup }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        if dup.get() {
            if let Some(err) = duplicate_key_error(text, "JSON") {
                return err;
            }
        }
        // serde_json counts columns from 0 at the start of a line (an error at the very
        // start of a line, such as the end of the file after a newline, is at column 0).
        let line = e.line();
        let column = if line > 0 { e.column().max(1) } else { 0 };
        SyntaxError {
            message: format!(
                "invalid JSON: {}",
                explain(&strip_position(&e.to_string()), text, line, column)
            ),
            line,
            column,
        }
    })
}

fn parse_yaml(text: &str) -> Result<Value, SyntaxError> {
    let dup = Cell::new(false);
    let yaml_err = |e: serde_yaml::Error, dup: bool| {
        if dup {
            if let Some(err) = duplicate_key_error(text, "YAML") {
                return err;
            }
        }
        let (line, column) = match e.location() {
            Some(l) => (l.line(), l.column()),
            None => (0, 0),
        };
        if line == 0 {
            if let Some(err) = second_document_error(text) {
                return err;
            }
        }
        let message = strip_position(&e.to_string());
        if message.starts_with("repetition limit exceeded") {
            // serde_yaml does not say where: the first alias is where the expansion starts.
            let (line, column) = first_alias(text).unwrap_or((1, 1));
            return SyntaxError {
                message: "invalid YAML: its aliases expand to more nodes than a document may hold (an alias bomb?)".to_owned(),
                line,
                column,
            };
        }
        SyntaxError {
            message: format!("invalid YAML: {}", explain(&message, text, line, column)),
            line,
            column,
        }
    };
    // Fast path: straight into JSON values. Plain scalars are read by the type asked for, so
    // integer keys (`200:`) become strings and `on`/`off` stay strings (YAML 1.2).
    if !text.contains("<<") {
        let de = serde_yaml::Deserializer::from_str(text);
        return Unique { dup: &dup }
            .deserialize(de)
            .map_err(|e| yaml_err(e, dup.get()));
    }
    // Merge keys need serde_yaml's own value tree to be applied (it rejects duplicate keys).
    let mut y: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let dup = e.to_string().contains("duplicate entry");
        yaml_err(e, dup)
    })?;
    y.apply_merge().map_err(|e| yaml_err(e, false))?;
    yaml_to_json(y).map_err(|e| match e {
        ToJsonError::DuplicateKey(key) => {
            duplicate_key_error(text, "YAML").unwrap_or(SyntaxError {
                message: format!("invalid YAML: duplicate key `{key}`"),
                line: 0,
                column: 0,
            })
        }
        ToJsonError::Other(message) => SyntaxError {
            message,
            line: 0,
            column: 0,
        },
    })
}

/// Deserializes a JSON value (from JSON or YAML) as `serde_json::Value` does, but rejects a
/// key that a mapping already has, and sets `dup`. As fast as `Value`'s own.
#[derive(Clone, Copy)]
struct Unique<'a> {
    dup: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        serde_json::Number::deserialize(de::value::I128Deserializer::new(v)).map(Value::Number)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        serde_json::Number::deserialize(de::value::U128Deserializer::new(v)).map(Value::Number)
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // `.inf` and `.nan` have no JSON number: null, as `Value` does. Diagnostics about such a
        // null read the source text to say what was written.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            match map.entry(key) {
                Entry::Occupied(e) => {
                    self.dup.set(true);
                    return Err(de::Error::custom(format_args!(
                        "duplicate key `{}`",
                        e.key()
                    )));
                }
                Entry::Vacant(e) => {
                    e.insert(access.next_value_seed(self)?);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

enum ToJsonError {
    DuplicateKey(String),
    Other(String),
}

fn yaml_to_json(y: serde_yaml::Value) -> Result<Value, ToJsonError> {
    use serde_yaml::Value as Y;
    Ok(match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => {
                        return Err(ToJsonError::Other(
                            "invalid YAML: mapping keys must be scalars".to_owned(),
                        ));
                    }
                };
                // `1:` and `'1':` are one JSON key.
                match out.entry(key) {
                    Entry::Occupied(e) => return Err(ToJsonError::DuplicateKey(e.key().clone())),
                    Entry::Vacant(e) => {
                        e.insert(yaml_to_json(v)?);
                    }
                }
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value)?,
    })
}

/// The error for the first key that a mapping repeats, located by a second pass over the text
/// (taken only when the fast parse found a duplicate). `None` when the pass finds none.
fn duplicate_key_error(text: &str, syntax: &str) -> Option<SyntaxError> {
    let mut finder = DuplicateFinder {
        stack: Vec::new(),
        found: None,
    };
    let mut parser = Parser::new_from_str(text);
    let _ = parser.load(&mut finder, false);
    let (dup, first, mark) = finder.found?;
    Some(SyntaxError {
        message: format!(
            "invalid {syntax}: duplicate key `{dup}` (first at line {first}); keys must be unique"
        ),
        line: mark.line(),
        column: mark.col() + 1,
    })
}

enum DupFrame {
    /// A mapping: the line of each key so far, and whether the next node is a key.
    Map {
        keys: HashMap<String, usize>,
        at_key: bool,
    },
    Seq,
}

struct DuplicateFinder {
    stack: Vec<DupFrame>,
    /// The repeated key, the line of its first occurrence, and where it is repeated.
    found: Option<(String, usize, Marker)>,
}

impl MarkedEventReceiver for DuplicateFinder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.found.is_some() {
            return;
        }
        let starts_node = matches!(
            ev,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        );
        if starts_node {
            if let Some(DupFrame::Map { keys, at_key }) = self.stack.last_mut() {
                if *at_key {
                    if let Event::Scalar(key, ..) = &ev {
                        if let Some(first) = keys.get(key) {
                            self.found = Some((key.clone(), *first, mark));
                            return;
                        }
                        keys.insert(key.clone(), mark.line());
                    }
                }
                *at_key = !*at_key;
            }
        }
        match ev {
            Event::MappingStart(..) => self.stack.push(DupFrame::Map {
                keys: HashMap::new(),
                at_key: true,
            }),
            Event::SequenceStart(..) => self.stack.push(DupFrame::Seq),
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// The error for a YAML stream of more than one document, at the start of the second one.
fn second_document_error(text: &str) -> Option<SyntaxError> {
    struct Docs {
        starts: Vec<Marker>,
    }
    impl MarkedEventReceiver for Docs {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if ev == Event::DocumentStart {
                self.starts.push(mark);
            }
        }
    }
    let mut docs = Docs { starts: Vec::new() };
    let mut parser = Parser::new_from_str(text);
    let _ = parser.load(&mut docs, true);
    let second = docs.starts.get(1)?;
    Some(SyntaxError {
        message: "invalid YAML: a second document starts here; a file must hold one YAML document"
            .to_owned(),
        line: second.line(),
        column: second.col() + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_yaml_1_2_strings_and_integer_keys() {
        let (f, v) = parse("enum: [on, off, yes, no]\n200: ok\n").unwrap();
        assert_eq!(f, Format::Yaml);
        assert_eq!(
            v,
            serde_json::json!({"enum": ["on", "off", "yes", "no"], "200": "ok"})
        );
    }

    #[test]
    fn json_is_chosen_by_content() {
        let (f, v) = parse("  \n{\"a\": [1, 2]}").unwrap();
        assert_eq!(f, Format::Json);
        assert_eq!(v, serde_json::json!({"a": [1, 2]}));
        // A YAML flow mapping that is not JSON parses only when the file's name says YAML.
        let e = parse("{a: 1}").unwrap_err();
        assert!(e.message.starts_with("invalid JSON"), "{e:?}");
        let (f, v) = parse_hinted("{a: 1}", Some(Format::Yaml)).unwrap();
        assert_eq!((f, v), (Format::Yaml, serde_json::json!({"a": 1})));
        assert!(parse_hinted("{a: 1}", Some(Format::Json)).is_err());
        // Text that does not start with a bracket is YAML whatever the name says.
        let (f, _) = parse_hinted("a: 1", Some(Format::Json)).unwrap();
        assert_eq!(f, Format::Yaml);
    }

    #[test]
    fn format_from_path() {
        assert_eq!(Format::from_path(Path::new("a/b.YML")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.yaml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.json")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("b")), None);
    }

    #[test]
    fn duplicate_keys_are_located_errors() {
        let e = parse("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.line, e.column),
            (
                "invalid YAML: duplicate key `c` (first at line 3); keys must be unique",
                4,
                3
            )
        );
        let e = parse("{\"a\": {\"b\": 1,\n \"b\": 2}}").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.line, e.column),
            (
                "invalid JSON: duplicate key `b` (first at line 1); keys must be unique",
                2,
                2
            )
        );
        // `1` and `'1'` are the same JSON key.
        assert_eq!(parse("1: a\n'1': b\n").unwrap_err().line, 2);
        // With merge keys, too; a merged key overridden by the mapping's own is no duplicate.
        let e = parse("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n  y: 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (5, 3), "{e:?}");
        let (_, v) = parse("base: &b {x: 1}\nd:\n  <<: *b\n  x: 2\n").unwrap();
        assert_eq!(v["d"], serde_json::json!({"x": 2}));
        // The same key in different mappings is fine.
        assert!(parse("a: {k: 1}\nb: {k: 1}\nc: [{k: 1}, {k: 2}]\n").is_ok());
    }

    #[test]
    fn one_yaml_document_per_file() {
        let e = parse("a: 1\n---\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        assert!(
            e.message.contains("a file must hold one YAML document"),
            "{e:?}"
        );
        assert!(parse("---\na: 1\n...\n").is_ok());
    }

    #[test]
    fn yaml_errors_keep_their_context() {
        assert_eq!(
            strip_position(
                "did not find expected key at line 8 column 4, while parsing a block mapping at line 6 column 5"
            ),
            "did not find expected key, while parsing a block mapping at line 6 column 5"
        );
        assert_eq!(strip_position("EOF at position 12"), "EOF");
        assert_eq!(strip_position("no position"), "no position");
    }

    #[test]
    fn json_errors_at_the_start_of_a_line_have_column_1() {
        let e = parse("{\n  \"a\": {\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1), "{e:?}");
    }

    #[test]
    fn merge_keys_are_applied() {
        let (_, v) = parse("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n").unwrap();
        assert_eq!(v["d"], serde_json::json!({"x": 1, "y": 2}));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e:?}");
        assert!(e.line >= 2, "{e:?}");
        let e = parse("{\"a\": 1,\n \"b\": }").unwrap_err();
        assert!(e.message.starts_with("invalid JSON"), "{e:?}");
        assert_eq!(e.line, 2);
    }
}
