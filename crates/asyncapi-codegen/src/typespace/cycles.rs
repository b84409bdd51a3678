//! After every schema is typed: aliases that contain themselves become wrapper structs,
//! fields and variants that contain their own type are boxed, and each type learns which
//! of `Eq`, `Hash` and `Default` it can derive.

use super::{Derives, Kind, Ty, TypeDefs, TypeId};

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
    for id in defs.ids() {
        let Some(t) = alias_of(defs, id) else {
            continue;
        };
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
    let reaches = |from: TypeId, to: TypeId| -> bool {
        let mut stack = vec![from];
        let mut seen = vec![false; direct.len()];
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if std::mem::replace(&mut seen[x.index()], true) {
                continue;
            }
            stack.extend(direct[x.index()].iter().copied());
        }
        false
    };
    for id in defs.ids() {
        match &mut defs[id].kind {
            Kind::Struct(st) => {
                for f in &mut st.fields {
                    f.boxed = direct_named(&f.ty).is_some_and(|c| reaches(c, id));
                }
            }
            Kind::Untagged(vs) => {
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
        Kind::Untagged(vs) => vs.iter().filter_map(|v| direct_named(&v.ty)).collect(),
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
    loop {
        let mut changed = false;
        for id in defs.ids() {
            let d = derives_of_def(defs, id);
            if d != defs[id].derives {
                defs[id].derives = d;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
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
        Kind::Untagged(vs) => no_default(all(&mut vs.iter().map(|v| &v.ty))),
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
