//! The WIT is the product's contract: every world, interface, type, field, case and
//! function in the `council:*` packages carries a `///` doc comment, and
//! `docs/wit.md` is rendered from them (a golden file: `BLESS=1 cargo test ...
//! wit_docs` rewrites it after a WIT change).

use std::fmt::Write as _;

use wit_parser::{Docs, Function, Resolve, Type, TypeDefKind, TypeOwner, WorldItem, WorldKey};

use crate::support;

fn load() -> Resolve {
    support::wit().0
}

fn doc(docs: &Docs) -> String {
    docs.contents.clone().unwrap_or_default().trim().to_string()
}

fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            if let Some(name) = &def.name {
                return name.clone();
            }
            match &def.kind {
                TypeDefKind::Option(t) => format!("option<{}>", type_name(resolve, t)),
                TypeDefKind::List(t) => format!("list<{}>", type_name(resolve, t)),
                TypeDefKind::Result(r) => format!(
                    "result<{}, {}>",
                    r.ok.as_ref()
                        .map(|t| type_name(resolve, t))
                        .unwrap_or_else(|| "_".into()),
                    r.err
                        .as_ref()
                        .map(|t| type_name(resolve, t))
                        .unwrap_or_else(|| "_".into())
                ),
                TypeDefKind::Tuple(t) => format!(
                    "tuple<{}>",
                    t.types
                        .iter()
                        .map(|t| type_name(resolve, t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                TypeDefKind::Type(t) => type_name(resolve, t),
                other => other.as_str().to_string(),
            }
        }
    }
}

fn signature(resolve: &Resolve, f: &Function) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty)))
        .collect();
    let result = f
        .result
        .as_ref()
        .map(|t| format!(" -> {}", type_name(resolve, t)))
        .unwrap_or_default();
    format!("{}: func({}){result}", f.name, params.join(", "))
}

/// Renders the council packages, and lists every item that has no documentation.
fn render(resolve: &Resolve) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut missing = Vec::new();
    let mut need = |what: String, docs: &Docs| {
        if doc(docs).is_empty() {
            missing.push(what);
        }
    };
    out.push_str(
        "# The council WIT contracts\n\n\
         Rendered from `wit/` by `tests/all/wit_docs.rs` (`BLESS=1 cargo test --release -p council-tests -- wit_docs` \
         rewrites it); the `.wit` files are the authority. Each capability is one versioned package with one file per \
         interface; \"nothing found\" is an empty list or `none`, never an error; each interface has one `error` variant \
         and each function names the cases it raises.\n\n\
         To implement a capability, build a component for its world (`council:address/address-lookup`, \
         `council:parish/parish-routing`, `council:contacts/contact-fetch`) that imports nothing from `council:*`. \
         To consume one, import its interface and list it in `[component.x.dependencies]` of `spin.toml` \
         (see the README, \"Composing a new service\").\n\n",
    );
    let mut packages: Vec<_> = resolve
        .packages
        .iter()
        .filter(|(_, p)| p.name.namespace == "council")
        .collect();
    packages.sort_by_key(|(_, p)| p.name.to_string());
    for (_, package) in packages {
        writeln!(out, "## Package `{}`\n", package.name).unwrap();
        for (name, world_id) in &package.worlds {
            let world = &resolve.worlds[*world_id];
            need(format!("world {}/{name}", package.name), &world.docs);
            writeln!(out, "### World `{name}`\n\n{}\n", doc(&world.docs)).unwrap();
            for (label, items) in [("imports", &world.imports), ("exports", &world.exports)] {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|(key, item)| match (key, item) {
                        (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                            resolve.id_of(*id)
                        }
                        (WorldKey::Name(n), _) => Some(n.clone()),
                        _ => None,
                    })
                    .filter(|n| n.starts_with("council:") || label == "exports")
                    .collect();
                if !names.is_empty() {
                    writeln!(
                        out,
                        "- {label}: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                    .unwrap();
                }
            }
            out.push('\n');
        }
        for (name, interface_id) in &package.interfaces {
            let interface = &resolve.interfaces[*interface_id];
            let id = resolve
                .id_of(*interface_id)
                .unwrap_or_else(|| format!("{}/{name}", package.name));
            need(format!("interface {id}"), &interface.docs);
            writeln!(out, "### Interface `{id}`\n\n{}\n", doc(&interface.docs)).unwrap();
            for (type_name_, type_id) in &interface.types {
                let def = &resolve.types[*type_id];
                if !matches!(def.owner, TypeOwner::Interface(owner) if owner == *interface_id) {
                    continue;
                }
                let kind = def.kind.as_str();
                if matches!(def.kind, TypeDefKind::Type(_))
                    && resolve.types[*type_id].docs.contents.is_none()
                {
                    // `use`d types are documented where they are defined.
                    continue;
                }
                need(
                    format!("{kind} {}/{name}.{type_name_}", package.name),
                    &def.docs,
                );
                writeln!(out, "#### {kind} `{type_name_}`\n\n{}\n", doc(&def.docs)).unwrap();
                match &def.kind {
                    TypeDefKind::Record(record) => {
                        out.push_str("| field | type | meaning |\n|---|---|---|\n");
                        for field in &record.fields {
                            need(format!("field {}.{}", type_name_, field.name), &field.docs);
                            writeln!(
                                out,
                                "| `{}` | `{}` | {} |",
                                field.name,
                                type_name(resolve, &field.ty),
                                doc(&field.docs).replace('\n', " ")
                            )
                            .unwrap();
                        }
                        out.push('\n');
                    }
                    TypeDefKind::Variant(variant) => {
                        out.push_str("| case | payload | meaning |\n|---|---|---|\n");
                        for case in &variant.cases {
                            need(format!("case {}.{}", type_name_, case.name), &case.docs);
                            let payload = case
                                .ty
                                .as_ref()
                                .map(|t| format!("`{}`", type_name(resolve, t)))
                                .unwrap_or_default();
                            writeln!(
                                out,
                                "| `{}` | {payload} | {} |",
                                case.name,
                                doc(&case.docs).replace('\n', " ")
                            )
                            .unwrap();
                        }
                        out.push('\n');
                    }
                    TypeDefKind::Enum(e) => {
                        out.push_str("| case | meaning |\n|---|---|\n");
                        for case in &e.cases {
                            need(format!("case {}.{}", type_name_, case.name), &case.docs);
                            writeln!(
                                out,
                                "| `{}` | {} |",
                                case.name,
                                doc(&case.docs).replace('\n', " ")
                            )
                            .unwrap();
                        }
                        out.push('\n');
                    }
                    TypeDefKind::Type(t) | TypeDefKind::List(t) | TypeDefKind::Option(t) => {
                        writeln!(out, "= `{}`\n", type_name(resolve, t)).unwrap();
                    }
                    _ => {}
                }
            }
            for (function_name, function) in &interface.functions {
                need(
                    format!("function {}/{name}.{function_name}", package.name),
                    &function.docs,
                );
                writeln!(
                    out,
                    "#### function `{function_name}`\n\n```wit\n{}\n```\n\n{}\n",
                    signature(resolve, function),
                    doc(&function.docs)
                )
                .unwrap();
            }
        }
    }
    (out, missing)
}

#[test]
fn every_council_wit_item_is_documented() {
    let (_, missing) = render(&load());
    assert!(
        missing.is_empty(),
        "undocumented WIT items:\n{}",
        missing.join("\n")
    );
}

#[test]
fn docs_wit_md_is_rendered_from_the_wit() {
    let (rendered, _) = render(&load());
    let path = support::workspace_root().join("docs/wit.md");
    council_test_support::golden::check(&path, &rendered);
}
