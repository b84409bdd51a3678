//! Source files: reading, choosing JSON or YAML by content, and finding where a JSON pointer
//! sits in the text (only when a diagnostic needs it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::pointer;

/// Index of a file in a [`crate::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// The syntax a file was parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// One parsed file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user or the referring document named it, joined to its base folder.
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
    pub value: Value,
}

/// A syntax error, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Parses text as JSON when it looks like JSON (its first significant character is `{` or `[`),
/// as YAML 1.2 otherwise. A document that starts with `{` but is not JSON is tried as YAML (a
/// flow mapping) before the JSON error is reported.
pub fn parse(text: &str) -> Result<(Format, Value), SyntaxError> {
    let body = text.trim_start_matches('\u{feff}');
    let first = body.trim_start().chars().next();
    if matches!(first, Some('{' | '[')) {
        match serde_json::from_str::<Value>(body) {
            Ok(v) => return Ok((Format::Json, v)),
            Err(json_err) => {
                if let Ok(v) = parse_yaml(body) {
                    return Ok((Format::Yaml, v));
                }
                return Err(SyntaxError {
                    message: format!("invalid JSON: {}", strip_position(&json_err.to_string())),
                    line: json_err.line(),
                    column: json_err.column(),
                });
            }
        }
    }
    parse_yaml(body).map(|v| (Format::Yaml, v))
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn parse_yaml(text: &str) -> Result<Value, SyntaxError> {
    let yaml_err = |e: serde_yaml::Error| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        SyntaxError {
            message: format!("invalid YAML: {}", strip_position(&e.to_string())),
            line,
            column,
        }
    };
    // Fast path: straight into JSON values. serde_yaml reads plain scalars by the type asked
    // for, so integer keys (`200:`) become strings and `on`/`off` stay strings (YAML 1.2).
    let value: Value = if text.contains("<<") {
        // Merge keys need serde_yaml's own value tree to be applied.
        let mut y: serde_yaml::Value = serde_yaml::from_str(text).map_err(yaml_err)?;
        y.apply_merge().map_err(yaml_err)?;
        yaml_to_json(y).map_err(|message| SyntaxError {
            message,
            line: 0,
            column: 0,
        })?
    } else {
        serde_yaml::from_str(text).map_err(yaml_err)?
    };
    Ok(value)
}

fn yaml_to_json(y: serde_yaml::Value) -> Result<Value, String> {
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
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        format!("invalid YAML: number {f} cannot be represented in JSON")
                    })?
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
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => return Err("invalid YAML: mapping keys must be scalars".to_owned()),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value)?,
    })
}

/// Reads and parses a file.
pub fn read(path: &Path) -> Result<SourceFile, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let (format, value) = parse(&text).map_err(ReadError::Syntax)?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        text,
        format,
        value,
    })
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    Syntax(SyntaxError),
}

/// Finds the 1-based line and column of each wanted pointer in `text`, by one pass over the
/// YAML event stream (JSON is YAML 1.2 too). A member is located at its key; an array element
/// at its first character. Pointers that are not found are located at their nearest ancestor.
pub fn locate(text: &str, wanted: &BTreeSet<String>) -> BTreeMap<String, (usize, usize)> {
    let mut locator = Locator {
        wanted,
        stack: Vec::new(),
        found: BTreeMap::new(),
        prefixes: BTreeSet::new(),
    };
    for w in wanted {
        let mut p = w.as_str();
        loop {
            locator.prefixes.insert(p.to_owned());
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => break,
            }
        }
    }
    let mut parser = Parser::new_from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    // A scan error only stops the walk early; what was found so far is still right.
    let _ = parser.load(&mut locator, false);
    let mut out = BTreeMap::new();
    for w in wanted {
        let mut p = w.as_str();
        loop {
            if let Some(pos) = locator.found.get(p) {
                out.insert(w.clone(), *pos);
                break;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => {
                    out.insert(w.clone(), (1, 1));
                    break;
                }
            }
        }
    }
    out
}

enum Frame {
    /// A mapping; `key` is the pending key once read.
    Map {
        path: String,
        key: Option<String>,
        skip: bool,
    },
    Seq {
        path: String,
        index: usize,
        skip: bool,
    },
}

struct Locator<'w> {
    wanted: &'w BTreeSet<String>,
    /// Every wanted pointer and each of its ancestors: subtrees outside it are skipped cheaply.
    prefixes: BTreeSet<String>,
    stack: Vec<Frame>,
    found: BTreeMap<String, (usize, usize)>,
}

impl Locator<'_> {
    /// The path of the node that starts now, and whether it is worth tracking.
    fn node_path(&mut self, mark: Marker) -> Option<(String, bool)> {
        let (path, skip) = match self.stack.last_mut() {
            None => (String::new(), false),
            Some(Frame::Map { path, key, skip }) => {
                let k = key.take()?;
                (pointer::push(path, &k), *skip)
            }
            Some(Frame::Seq { path, index, skip }) => {
                let p = pointer::push(path, &index.to_string());
                *index += 1;
                (p, *skip)
            }
        };
        let skip = skip || !self.prefixes.contains(&path);
        if !skip {
            self.found
                .entry(path.clone())
                .or_insert((mark.line(), mark.col() + 1));
        }
        Some((path, skip))
    }
}

impl MarkedEventReceiver for Locator<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let _ = self.wanted;
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { path, key, skip }) = self.stack.last_mut() {
                    if key.is_none() {
                        // This scalar is a key: the member is located here.
                        let member = pointer::push(path, &value);
                        if !*skip && self.prefixes.contains(&member) {
                            self.found
                                .entry(member)
                                .or_insert((mark.line(), mark.col() + 1));
                        }
                        *key = Some(value);
                        return;
                    }
                }
                self.node_path(mark);
            }
            Event::Alias(_) => {
                self.node_path(mark);
            }
            Event::MappingStart(..) => {
                let (path, skip) = self
                    .node_path(mark)
                    .unwrap_or_else(|| (String::from("\u{0}"), true));
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    skip,
                });
            }
            Event::SequenceStart(..) => {
                let (path, skip) = self
                    .node_path(mark)
                    .unwrap_or_else(|| (String::from("\u{0}"), true));
                self.stack.push(Frame::Seq {
                    path,
                    index: 0,
                    skip,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str, p: &str) -> (usize, usize) {
        let wanted: BTreeSet<String> = [p.to_owned()].into();
        locate(text, &wanted)[p]
    }

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
        // A YAML flow mapping that is not JSON still parses.
        let (f, _) = parse("{a: 1}").unwrap();
        assert_eq!(f, Format::Yaml);
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

    #[test]
    fn locates_members_and_items() {
        let text = "a:\n  b: 1\n  list:\n    - x\n    - y: 2\n";
        assert_eq!(loc(text, "/a/b"), (2, 3));
        assert_eq!(loc(text, "/a/list/1/y"), (5, 7));
        assert_eq!(loc(text, "/a/list/0"), (4, 7));
        // Missing members fall back to their nearest ancestor.
        assert_eq!(loc(text, "/a/zzz"), (1, 1));
        let json = "{\n  \"a\": {\"b~1c\": [true]}\n}";
        assert_eq!(loc(json, "/a"), (2, 3));
        assert_eq!(loc(json, "/a/b~1c/0"), (2, 18));
    }
}
