//! Where a JSON pointer sits in a text: the 1-based line and column of each wanted node, found
//! by one pass over the YAML event stream (JSON is YAML 1.2 too). Run only for files that have
//! diagnostics.

use std::collections::{BTreeMap, BTreeSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::pointer;

/// Finds the 1-based line and column of each wanted pointer in `text`, by one pass over the
/// YAML event stream (JSON is YAML 1.2 too). A member is located at its key; an array element
/// or the root at its first character (a block mapping at its first key, a flow collection at
/// its bracket). Pointers that are not found are located at their nearest ancestor.
pub fn locate(text: &str, wanted: &BTreeSet<String>) -> BTreeMap<String, (usize, usize)> {
    locate_nodes(text, wanted)
        .into_iter()
        .map(|(p, n)| (p, n.position))
        .collect()
}

/// Where a wanted node is, and its text when it is a scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based line and column.
    pub position: (usize, usize),
    /// The scalar as written (unquoted) and whether it was plain, when the node itself (not an
    /// ancestor) was found and is a scalar.
    pub scalar: Option<(String, bool)>,
}

/// [`locate`], with the text of the wanted nodes that are scalars.
pub(crate) fn locate_nodes(text: &str, wanted: &BTreeSet<String>) -> BTreeMap<String, Located> {
    let mut locator = Locator {
        wanted,
        stack: Vec::new(),
        found: BTreeMap::new(),
        scalars: BTreeMap::new(),
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
                let scalar = if p == w {
                    locator.scalars.remove(p)
                } else {
                    None
                };
                out.insert(
                    w.clone(),
                    Located {
                        position: *pos,
                        scalar,
                    },
                );
                break;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => {
                    out.insert(
                        w.clone(),
                        Located {
                            position: (1, 1),
                            scalar: None,
                        },
                    );
                    break;
                }
            }
        }
    }
    out
}

enum Frame {
    /// A mapping; `key` is the pending key once read. `start` is the mapping's own path and
    /// start mark while its position waits for its first key.
    Map {
        path: String,
        key: Option<String>,
        skip: bool,
        start: Option<(String, Marker)>,
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
    scalars: BTreeMap<String, (String, bool)>,
}

fn position(mark: Marker) -> (usize, usize) {
    (mark.line(), mark.col() + 1)
}

impl Locator<'_> {
    /// The path of the node that starts now, and whether it is worth tracking. `None` for a
    /// node that is a (complex) key.
    fn node_path(&mut self, mark: Marker, record: bool) -> Option<(String, bool)> {
        let (path, skip) = match self.stack.last_mut() {
            None => (String::new(), false),
            Some(Frame::Map {
                path, key, skip, ..
            }) => {
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
        if !skip && record {
            self.found.entry(path.clone()).or_insert(position(mark));
        }
        Some((path, skip))
    }

    /// A node starts at `mark` as the first key of the innermost mapping, if that mapping waits
    /// for one: the mapping is located at the earlier of its start and this key (a block
    /// mapping's start mark is after its first key; a flow mapping's is its `{`).
    fn first_key(&mut self, mark: Marker) {
        if let Some(Frame::Map {
            key: None, start, ..
        }) = self.stack.last_mut()
        {
            if let Some((path, start)) = start.take() {
                let at = position(mark).min(position(start));
                self.found.entry(path).or_insert(at);
            }
        }
    }

    fn start_mapping(&mut self, mark: Marker) {
        self.first_key(mark);
        let (path, skip) = self
            .node_path(mark, false)
            .unwrap_or_else(|| (String::from("\u{0}"), true));
        let start = (!skip).then(|| (path.clone(), mark));
        self.stack.push(Frame::Map {
            path,
            key: None,
            skip,
            start,
        });
    }
}

impl MarkedEventReceiver for Locator<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, style, ..) => {
                self.first_key(mark);
                if let Some(Frame::Map {
                    path, key, skip, ..
                }) = self.stack.last_mut()
                {
                    if key.is_none() {
                        // This scalar is a key: the member is located here.
                        let member = pointer::push(path, &value);
                        if !*skip && self.prefixes.contains(&member) {
                            self.found.entry(member).or_insert(position(mark));
                        }
                        *key = Some(value);
                        return;
                    }
                }
                if let Some((path, false)) = self.node_path(mark, true) {
                    if self.wanted.contains(&path) {
                        let plain = style == TScalarStyle::Plain;
                        self.scalars.entry(path).or_insert((value, plain));
                    }
                }
            }
            Event::Alias(_) => {
                self.first_key(mark);
                self.node_path(mark, true);
            }
            Event::MappingStart(..) => self.start_mapping(mark),
            Event::SequenceStart(..) => {
                self.first_key(mark);
                let (path, skip) = self
                    .node_path(mark, true)
                    .unwrap_or_else(|| (String::from("\u{0}"), true));
                self.stack.push(Frame::Seq {
                    path,
                    index: 0,
                    skip,
                });
            }
            Event::MappingEnd => {
                // An empty mapping is located at its start.
                if let Some(Frame::Map {
                    start: Some((path, start)),
                    ..
                }) = self.stack.pop()
                {
                    self.found.entry(path).or_insert(position(start));
                }
            }
            Event::SequenceEnd => {
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
    fn locates_members_and_items() {
        let text = "a:\n  b: 1\n  list:\n    - x\n    - y: 2\n";
        assert_eq!(loc(text, "/a/b"), (2, 3));
        assert_eq!(loc(text, "/a/list/1/y"), (5, 7));
        assert_eq!(loc(text, "/a/list/0"), (4, 7));
        // Missing members fall back to their nearest ancestor.
        assert_eq!(loc(text, "/a/zzz"), (1, 1));
        let json = "{\n  \"a\": {\"b~1c\": [true]}\n}";
        assert_eq!(loc(json, "/a"), (2, 3));
        assert_eq!(loc(json, "/a/b~01c/0"), (2, 18));
    }

    #[test]
    fn mappings_are_located_at_their_first_character() {
        let text = "a: 1\nlist:\n  - b: 1\n    c: 2\n  - {d: 1}\n  - {}\n  -\n    e: 1\n";
        assert_eq!(loc(text, ""), (1, 1));
        assert_eq!(loc(text, "/list/0"), (3, 5));
        assert_eq!(loc(text, "/list/1"), (5, 5));
        assert_eq!(loc(text, "/list/2"), (6, 5));
        assert_eq!(loc(text, "/list/3"), (8, 5));
    }

    #[test]
    fn scalars_are_read_as_written() {
        let text = "a: 1.10\nb: '2'\nc: {d: .inf}\n";
        let wanted: BTreeSet<String> = ["/a", "/b", "/c", "/c/d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let found = locate_nodes(text, &wanted);
        assert_eq!(found["/a"].scalar, Some(("1.10".to_owned(), true)));
        assert_eq!(found["/b"].scalar, Some(("2".to_owned(), false)));
        assert_eq!(found["/c"].scalar, None);
        assert_eq!(found["/c/d"].scalar, Some((".inf".to_owned(), true)));
    }
}
