//! After every schema is typed: aliases that contain themselves become wrapper structs,
//! fields and variants that contain their own type are boxed, and each type learns which
//! of `Eq`, `Hash` and `Default` it can derive.

//!
//! Each question is about the cycles of a graph over the types, so each is answered from the
//! graph's strongly connected components (petgraph's iterative Kosaraju): linear in the types,
//! where a search per type was quadratic (10,000 chained schemas took seconds).

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Derives, Kind, Ty, TypeDefs, TypeId};

/// The strongly connected components of a graph over the types, dependencies first (an edge
/// `a -> b` puts `b`'s component before `a`'s).
struct Components {
    /// The component of each type, by index.
    of: Vec<usize>,
    list: Vec<Vec<TypeId>>,
}

impl Components {
    fn new(edges: &[Vec<TypeId>]) -> Components {
        let mut g = DiGraph::<(), ()>::with_capacity(edges.len(), edges.len());
        for _ in edges {
            g.add_node(());
        }
        for (from, to) in edges.iter().enumerate() {
            for t in to {
                g.add_edge(NodeIndex::new(from), NodeIndex::new(t.index()), ());
            }
        }
        let list: Vec<Vec<TypeId>> = kosaraju_scc(&g)
            .into_iter()
            .map(|c| {
                let mut c: Vec<TypeId> = c.into_iter().map(|n| TypeId(n.index() as u32)).collect();
                c.sort_unstable_by_key(|t| t.index());
                c
            })
            .collect();
        let mut of = vec![0; edges.len()];
        for (k, c) in list.iter().enumerate() {
            for t in c {
                of[t.index()] = k;
            }
        }
        Components { of, list }
    }

    fn same(&self, a: TypeId, b: TypeId) -> bool {
        self.of[a.index()] == self.of[b.index()]
    }
}

/// Makes recursion finite and sets every type's derives.
pub(super) fn finish(defs: &mut TypeDefs) {
    defs.find_shadowed();
    wrap_recursive_aliases(defs);
    box_recursive_fields(defs);
    choose_derives(defs);
}

/// Aliases that reach themselves through aliases (`Tree = Vec<Tree>`): a Rust type alias
/// cannot, a transparent tuple struct can.
fn wrap_recursive_aliases(defs: &mut TypeDefs) {
    let alias_of = |defs: &TypeDefs, id: TypeId| match &defs[id].kind {
        Kind::Alias(t) => Some(t.clone()),
        _ => None,
    };
    // Only an alias on a cycle of aliases can reach itself: the others need no search.
    let edges: Vec<Vec<TypeId>> = defs
        .ids()
        .map(|id| alias_of(defs, id).map_or_else(Vec::new, |t| named_in(&t)))
        .collect();
    let components = Components::new(&edges);
    let on_cycle = |id: TypeId| {
        components.list[components.of[id.index()]].len() > 1 || edges[id.index()].contains(&id)
    };
    for id in defs.ids() {
        let Some(t) = alias_of(defs, id).filter(|_| on_cycle(id)) else {
            continue;
        };
        // Wrapping one alias of a cycle breaks it for the others: search as they are now.
        let mut stack = named_in(&t);
        let mut seen = vec![false; defs.len()];
        let mut recursive = false;
        while let Some(x) = stack.pop() {
            if x == id {
                recursive = true;
                break;
            }
            if std::mem::replace(&mut seen[x.index()], true) {
                continue;
            }
            if let Some(t) = alias_of(defs, x) {
                stack.extend(named_in(&t));
            }
        }
        if recursive {
            defs[id].kind = Kind::Wrapper(t);
        }
    }
}

/// Boxes the fields and variants whose type contains, directly (not through a `Vec` or a
/// map, which are already indirect), the type they are in.
fn box_recursive_fields(defs: &mut TypeDefs) {
    let direct: Vec<Vec<TypeId>> = defs.ids().map(|id| direct_children(defs, id)).collect();
    // `id` holds `c` directly, so `c` reaches `id` exactly when they are on one cycle.
    let components = Components::new(&direct);
    let reaches = |from: TypeId, to: TypeId| components.same(from, to);
    for id in defs.ids() {
        match &mut defs[id].kind {
            Kind::Struct(st) => {
                for f in &mut st.fields {
                    f.boxed = direct_named(&f.ty).is_some_and(|c| reaches(c, id));
                }
            }
            Kind::Untagged(vs, _) => {
                for v in vs {
                    v.boxed = direct_named(&v.ty).is_some_and(|c| reaches(c, id));
                }
            }
            Kind::Tagged(t) => {
                for v in &mut t.variants {
                    v.boxed = v.body.is_some_and(|c| reaches(c, id));
                }
            }
            _ => {}
        }
    }
}

fn direct_children(defs: &TypeDefs, id: TypeId) -> Vec<TypeId> {
    match &defs[id].kind {
        Kind::Struct(st) => st
            .fields
            .iter()
            .filter_map(|f| direct_named(&f.ty))
            .collect(),
        Kind::Untagged(vs, _) => vs.iter().filter_map(|v| direct_named(&v.ty)).collect(),
        Kind::Tagged(t) => t.variants.iter().filter_map(|v| v.body).collect(),
        Kind::Alias(t) | Kind::Wrapper(t) => direct_named(t).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Every type starts with every derive, and loses those one of its parts lacks, until
/// nothing changes (recursive types reach a fixed point).
fn choose_derives(defs: &mut TypeDefs) {
    for id in defs.ids() {
        defs[id].derives = Derives::ALL;
    }
    // What a type can derive depends on the types it mentions: components in dependency
    // order, each iterated to its fixed point once the types it depends on are final.
    let edges: Vec<Vec<TypeId>> = defs.ids().map(|id| mentioned(defs, id)).collect();
    for component in Components::new(&edges).list {
        loop {
            let mut changed = false;
            for &id in &component {
                let d = derives_of_def(defs, id);
                if d != defs[id].derives {
                    defs[id].derives = d;
                    changed = true;
                }
            }
            if !changed
                || component.len() == 1 && !edges[component[0].index()].contains(&component[0])
            {
                break;
            }
        }
    }
}

/// The named types whose derives [`derives_of_def`] reads for `id`.
fn mentioned(defs: &TypeDefs, id: TypeId) -> Vec<TypeId> {
    let mut out = Vec::new();
    let mut add = |t: &Ty| out.extend(named_in(t));
    match &defs[id].kind {
        Kind::Pending | Kind::Enum(_) => {}
        Kind::Struct(st) => {
            st.fields.iter().for_each(|f| add(&f.ty));
            if let Some(e) = &st.extra {
                add(e);
            }
        }
        Kind::Tagged(t) => out.extend(t.variants.iter().filter_map(|v| v.body)),
        Kind::Untagged(vs, _) => vs.iter().for_each(|v| add(&v.ty)),
        Kind::Newtype(nt) => {
            if let Some(t) = &nt.inner {
                add(t);
            }
        }
        Kind::Alias(t) | Kind::Wrapper(t) => add(t),
    }
    out
}

fn derives_of_def(defs: &TypeDefs, id: TypeId) -> Derives {
    let all = |tys: &mut dyn Iterator<Item = &Ty>| {
        tys.fold(Derives::ALL, |d, t| d.and(derives_of(t, defs)))
    };
    let no_default = |d: Derives| Derives {
        default: false,
        ..d
    };
    match &defs[id].kind {
        Kind::Pending => Derives::ALL,
        Kind::Struct(st) => {
            let d = all(&mut st.fields.iter().map(|f| &f.ty));
            match &st.extra {
                Some(e) => d.and(derives_of(&Ty::Map(Box::new(e.clone())), defs)),
                None => d,
            }
        }
        Kind::Enum(_) => no_default(Derives::ALL),
        Kind::Tagged(t) => no_default(
            t.variants
                .iter()
                .filter_map(|v| v.body)
                .fold(Derives::ALL, |d, b| d.and(defs[b].derives)),
        ),
        Kind::Untagged(vs, _) => no_default(all(&mut vs.iter().map(|v| &v.ty))),
        Kind::Newtype(nt) => no_default(
            nt.inner
                .as_ref()
                .map_or(Derives::ALL, |t| derives_of(t, defs)),
        ),
        Kind::Alias(t) | Kind::Wrapper(t) => derives_of(t, defs),
    }
}

/// What a type expression can derive, given what the named types can so far.
pub(crate) fn derives_of(t: &Ty, defs: &TypeDefs) -> Derives {
    let d = |eq, hash, default| Derives { eq, hash, default };
    match t {
        Ty::Named(id) => defs[*id].derives,
        Ty::String | Ty::Bool | Ty::Int(_) | Ty::Uuid | Ty::Unit => d(true, true, true),
        Ty::Float(_) => d(false, false, true),
        Ty::DateTime | Ty::Date | Ty::Url | Ty::Ipv4 | Ty::Ipv6 => d(true, true, false),
        Ty::Value => d(true, false, true),
        // `serde_json::Map` has no `Hash`; `BTreeMap` and `Vec` have what their values have.
        Ty::Map(inner) if **inner == Ty::Value => d(true, false, true),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => Derives {
            default: true,
            ..derives_of(inner, defs)
        },
    }
}

/// Every named type a type expression mentions, however deep.
fn named_in(t: &Ty) -> Vec<TypeId> {
    match t {
        Ty::Named(id) => vec![*id],
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

/// The named type a field of this type holds inline (itself or in an `Option`).
fn direct_named(t: &Ty) -> Option<TypeId> {
    match t {
        Ty::Named(id) => Some(*id),
        Ty::Option(inner) => direct_named(inner),
        _ => None,
    }
}
