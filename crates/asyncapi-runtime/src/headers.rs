//! Message headers: an ordered list of name/value pairs whose names compare case-insensitively
//! (HTTP and most brokers treat them so).

use std::fmt;
use std::sync::Arc;

/// Message headers. Names keep the case they arrived with; lookups ignore case.
///
/// Cloning is cheap (the entries are shared until one of the clones is changed): every
/// handler's context carries the headers its message arrived with.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Arc<Vec<(String, String)>>,
}

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header, keeping any earlier one of the same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        Arc::make_mut(&mut self.entries).push((name.into(), value.into()));
    }

    /// Sets a header, replacing every earlier one of the same name.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let entries = Arc::make_mut(&mut self.entries);
        entries.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        entries.push((name, value.into()));
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| (n, v)))
            .finish()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers {
            entries: Arc::new(
                iter.into_iter()
                    .map(|(n, v)| (n.into(), v.into()))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Headers;

    #[test]
    fn names_are_case_insensitive_and_insert_replaces() {
        let mut h: Headers = [("X-Adobe-Event-Code", "a"), ("x-other", "b")]
            .into_iter()
            .collect();
        assert_eq!(h.get("x-adobe-event-code"), Some("a"));
        h.append("x-other", "c");
        assert_eq!(h.get_all("X-OTHER").collect::<Vec<_>>(), ["b", "c"]);
        h.insert("X-Other", "d");
        assert_eq!(h.get_all("x-other").collect::<Vec<_>>(), ["d"]);
        assert_eq!(h.len(), 2);
    }
}
