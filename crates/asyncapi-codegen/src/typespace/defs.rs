//! What the type space holds: Rust type expressions ([`Ty`]) and the named types they
//! refer to ([`TypeDef`], by [`TypeId`]), each with what it derives.

use serde_json::Value;

pub use crate::settings::TypeSettings;

/// A named type: an index into [`TypeDefs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub(crate) u32);

impl TypeId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The named types, in the order they were made (which is the order they are emitted).
#[derive(Debug, Clone, Default)]
pub struct TypeDefs(Vec<TypeDef>, Vec<&'static str>);

/// Names of the prelude (and of the derives generated code imports) that a type of the
/// document may take; generated code then names the prelude's by their full paths.
pub const SHADOWABLE: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Serialize",
    "Deserialize",
    "JsonSchema",
];

impl TypeDefs {
    pub(crate) fn push(&mut self, def: TypeDef) -> TypeId {
        let id = TypeId(u32::try_from(self.0.len()).expect("fewer than 2^32 types"));
        self.0.push(def);
        id
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every type with its id, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (TypeId, &TypeDef)> {
        self.0
            .iter()
            .enumerate()
            .map(|(i, d)| (TypeId(i as u32), d))
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = TypeId> + use<> {
        (0..self.0.len() as u32).map(TypeId)
    }

    /// Whether a type is named after one of [`SHADOWABLE`] (known once the types are
    /// final).
    pub fn shadows(&self, name: &str) -> bool {
        self.1.contains(&name)
    }

    /// Records which of [`SHADOWABLE`] the types' names take.
    pub(crate) fn find_shadowed(&mut self) {
        self.1 = SHADOWABLE
            .iter()
            .copied()
            .filter(|n| self.0.iter().any(|d| d.name == *n))
            .collect();
    }
}

impl std::ops::Index<TypeId> for TypeDefs {
    type Output = TypeDef;
    fn index(&self, id: TypeId) -> &TypeDef {
        &self.0[id.index()]
    }
}

impl std::ops::IndexMut<TypeId> for TypeDefs {
    fn index_mut(&mut self, id: TypeId) -> &mut TypeDef {
        &mut self.0[id.index()]
    }
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Named(TypeId),
    String,
    Bool,
    Int(&'static str),
    Float(&'static str),
    DateTime,
    Date,
    Uuid,
    Url,
    Ipv4,
    Ipv6,
    /// Any JSON.
    Value,
    /// JSON `null`.
    Unit,
    Vec(Box<Ty>),
    /// A map with string keys.
    Map(Box<Ty>),
    Option(Box<Ty>),
}

impl Ty {
    /// The type of an optional value: `Option<T>`, except for types that already hold `null`.
    pub(crate) fn option(self) -> Ty {
        match self {
            Ty::Option(_) | Ty::Value | Ty::Unit => self,
            other => Ty::Option(Box::new(other)),
        }
    }
}

/// Doc text of a type or field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub default: Option<Value>,
    pub examples: Vec<Value>,
    pub deprecated: bool,
}

/// A named type: a struct, an enum, a newtype or an alias.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub docs: Docs,
    pub kind: Kind,
    /// Where the schema is (`file#/pointer`), for docs and notes.
    pub origin: String,
    /// What the type can derive besides `Debug`, `Clone` and `PartialEq`; known once every
    /// type is made (see `cycles.rs`).
    pub derives: Derives,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// Being built (only seen while recursing).
    Pending,
    Struct(Struct),
    Enum(StringEnum),
    Tagged(Tagged),
    Untagged(Vec<Variant>, UnionOf),
    Newtype(Newtype),
    Alias(Ty),
    /// An alias that refers to itself (`Tree = Vec<Tree>`), which Rust type aliases cannot:
    /// a transparent tuple struct. Set once every type is made (see `cycles.rs`).
    Wrapper(Ty),
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub fields: Vec<Field>,
    pub deny_unknown: bool,
    /// Value type of the flattened map of other properties.
    pub extra: Option<Ty>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub docs: Docs,
    /// Set where the field's type contains the struct (see `cycles.rs`).
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct StringEnum {
    /// `(Rust variant, wire value)`.
    pub variants: Vec<(String, String)>,
    pub open: bool,
}

#[derive(Debug, Clone)]
pub struct Tagged {
    pub tag: String,
    pub variants: Vec<TaggedVariant>,
}

#[derive(Debug, Clone)]
pub struct TaggedVariant {
    pub name: String,
    pub wire: String,
    /// The variant's body struct (the tag removed), or `None` when it has no other field.
    pub body: Option<TypeId>,
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub ty: Ty,
    pub boxed: bool,
}

/// Which keyword an untagged union came from: `oneOf` branches exclude each other, so the
/// one a value has the telling property of is the one; `anyOf` ones need not, and the
/// first that fits is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnionOf {
    OneOf,
    AnyOf,
}

#[derive(Debug, Clone, Default)]
pub struct Newtype {
    pub inner: Option<Ty>,
    pub pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
}

/// Which optional crates the emitted types need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
    pub url: bool,
}

/// Which of the derives that not every type supports a type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derives {
    pub eq: bool,
    pub hash: bool,
    pub default: bool,
}

impl Derives {
    pub(crate) const ALL: Derives = Derives {
        eq: true,
        hash: true,
        default: true,
    };

    pub(crate) fn and(self, o: Derives) -> Derives {
        Derives {
            eq: self.eq && o.eq,
            hash: self.hash && o.hash,
            default: self.default && o.default,
        }
    }
}
