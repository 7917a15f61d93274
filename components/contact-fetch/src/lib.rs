//! The contact-fetch capability component: exports `council:contacts/directory@0.1.0`
//! (world `council:contacts/contact-fetch`), answering from the council's ModernGov or
//! the static directory.
//!
//! All logic lives in `council-contacts` ([`ContactService`]); this crate supplies its
//! I/O from the platform ([`platform`]: `wasi:http/outgoing-handler`,
//! `wasi:keyvalue/store@0.2.0-draft2` bucket `default`, `wasi:clocks`,
//! `wasi:config/store@0.2.0-draft-2024-09-27`) and converts the records. The service
//! is built once per instance — Spin makes one instance per request — so settings are
//! read once, and everything that must outlive the instance (cached answers, the
//! per-host rate limit) is kept in the key-value store.
#![deny(missing_docs)]

use std::cell::OnceCell;

use council_contacts as lib;
use council_contacts::service::ContactService;

mod platform;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/contacts",
        world: "council:contacts/contact-fetch",
    });
    /// The component's export.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::contacts::directory as wit;

type Service =
    ContactService<platform::HttpTransport, platform::KeyValueCache, platform::WasiClock>;

thread_local! {
    static SERVICE: OnceCell<Result<Service, lib::Error>> = const { OnceCell::new() };
}

/// Runs `f` with the instance's service, reading the settings on first use.
fn with_service<T>(f: impl FnOnce(&Service) -> Result<T, lib::Error>) -> Result<T, wit::Error> {
    SERVICE.with(|cell| {
        let service = cell.get_or_init(|| {
            let settings = platform::settings()?;
            Ok(ContactService::new(
                settings,
                platform::HttpTransport,
                platform::KeyValueCache::open("default"),
                platform::WasiClock,
            ))
        });
        match service {
            Ok(service) => f(service).map_err(error_to_wit),
            Err(e) => Err(error_to_wit(e.clone())),
        }
    })
}

impl wit::Guest for Component {
    fn find_body(query: wit::BodyQuery) -> Result<Option<wit::BodyAnswer>, wit::Error> {
        let query = lib::BodyQuery {
            gss_code: query.gss_code,
            name: query.name,
            kind: query.kind.map(kind_from_wit),
        };
        with_service(|s| s.find_body(&query)).map(|answer| {
            answer.map(|a| wit::BodyAnswer {
                body: body_to_wit(a.body),
                provenance: provenance_to_wit(a.provenance),
            })
        })
    }

    fn parish_councils() -> Result<wit::BodyList, wit::Error> {
        with_service(|s| s.parish_councils()).map(|list| wit::BodyList {
            bodies: list.bodies.into_iter().map(body_to_wit).collect(),
            provenance: provenance_to_wit(list.provenance),
        })
    }

    fn councillors_by_ward(ward_name: Option<String>) -> Result<wit::CouncillorAnswer, wit::Error> {
        with_service(|s| s.councillors_by_ward(ward_name.as_deref())).map(councillors_to_wit)
    }

    fn councillors_by_ward_id(ward_id: u32) -> Result<wit::CouncillorAnswer, wit::Error> {
        with_service(|s| s.councillors_by_ward_id(ward_id)).map(councillors_to_wit)
    }

    fn councillors_by_postcode(postcode: String) -> Result<wit::CouncillorAnswer, wit::Error> {
        with_service(|s| s.councillors_by_postcode(&postcode)).map(councillors_to_wit)
    }
}

// --- Mechanical conversions between the crate's mirror of the WIT and the bindings ---

fn error_to_wit(e: lib::Error) -> wit::Error {
    match e {
        lib::Error::InvalidQuery(m) => wit::Error::InvalidQuery(m),
        lib::Error::UpstreamUnavailable(m) => wit::Error::UpstreamUnavailable(m),
        lib::Error::UpstreamInvalid(m) => wit::Error::UpstreamInvalid(m),
        lib::Error::NotConfigured(m) => wit::Error::NotConfigured(m),
        lib::Error::Unsupported(m) => wit::Error::Unsupported(m),
        lib::Error::Other(m) => wit::Error::Other(m),
    }
}

fn kind_from_wit(k: wit::BodyKind) -> lib::BodyKind {
    match k {
        wit::BodyKind::ParishCouncil => lib::BodyKind::ParishCouncil,
        wit::BodyKind::DistrictCouncil => lib::BodyKind::DistrictCouncil,
        wit::BodyKind::CountyCouncil => lib::BodyKind::CountyCouncil,
        wit::BodyKind::UnitaryCouncil => lib::BodyKind::UnitaryCouncil,
        wit::BodyKind::Other => lib::BodyKind::Other,
    }
}

fn kind_to_wit(k: lib::BodyKind) -> wit::BodyKind {
    match k {
        lib::BodyKind::ParishCouncil => wit::BodyKind::ParishCouncil,
        lib::BodyKind::DistrictCouncil => wit::BodyKind::DistrictCouncil,
        lib::BodyKind::CountyCouncil => wit::BodyKind::CountyCouncil,
        lib::BodyKind::UnitaryCouncil => wit::BodyKind::UnitaryCouncil,
        lib::BodyKind::Other => wit::BodyKind::Other,
    }
}

fn contact_to_wit(c: lib::ContactDetails) -> wit::ContactDetails {
    wit::ContactDetails {
        name: c.name,
        role: c.role,
        email: c.email,
        phone: c.phone,
        address: c.address,
        postcode: c.postcode,
    }
}

fn body_to_wit(b: lib::Body) -> wit::Body {
    wit::Body {
        id: b.id,
        name: b.name,
        kind: kind_to_wit(b.kind),
        gss_code: b.gss_code,
        website: b.website,
        contact: contact_to_wit(b.contact),
    }
}

fn provenance_to_wit(p: lib::Provenance) -> wit::Provenance {
    wit::Provenance {
        source: match p.source {
            lib::Source::Moderngov => wit::Source::Moderngov,
            lib::Source::Directory => wit::Source::Directory,
        },
        url: p.url,
        fetched_at: p.fetched_at,
        age_seconds: p.age_seconds,
        stale: p.stale,
        stale_reason: p.stale_reason,
    }
}

fn councillors_to_wit(a: lib::CouncillorAnswer) -> wit::CouncillorAnswer {
    wit::CouncillorAnswer {
        wards: a
            .wards
            .into_iter()
            .map(|w| wit::Ward {
                name: w.name,
                councillors: w
                    .councillors
                    .into_iter()
                    .map(|c| wit::Councillor {
                        id: c.id,
                        name: c.name,
                        party: c.party,
                        ward: c.ward,
                        key_posts: c.key_posts,
                        work: contact_to_wit(c.work),
                        home: contact_to_wit(c.home),
                        photo_url: c.photo_url,
                        terms: c
                            .terms
                            .into_iter()
                            .map(|t| wit::Term {
                                start: t.start,
                                end: t.end,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        provenance: provenance_to_wit(a.provenance),
    }
}
