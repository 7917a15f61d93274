//! The contact-fetch capability component: exports `council:contacts/directory@0.1.0`
//! (world `council:contacts/contact-fetch`), answering from the council's ModernGov or
//! the static directory.
//!
//! All logic lives in `council-contacts` ([`ContactService`]); this crate supplies its
//! I/O from the platform ([`platform`]: `wasi:http/outgoing-handler`,
//! `wasi:keyvalue/store@0.2.0-draft2` bucket `default` and `wasi:config/store@0.2.0-
//! draft-2024-09-27`, which its world imports, and the WASI 0.2 clocks); the records
//! are the crate's own (see `bindings`). The service is built once per instance —
//! Spin makes one instance per request — so settings are read once, and everything
//! that must outlive the instance (cached answers, the per-host rate limit) is kept in
//! the key-value store.
#![deny(missing_docs)]

use std::cell::OnceCell;

use council_contacts as lib;
use council_contacts::service::ContactService;

mod platform;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    // The component's world as wit/ declares it, imports included. The records, enums
    // and error of `directory` are council-contacts' own types (`with:`): the
    // generated lift and lower code builds and reads them by field and case name, so
    // there is nothing to convert. The WASI 0.2 interfaces are the `wasip2` crate's
    // bindings (platform.rs uses its helpers; the CLI ones are bound by
    // `generate_bindings!`); the two Spin drafts are generated here.
    council_capability::generate_bindings!({
        path: "../../wit",
        world: "council:contacts/contact-fetch",
        with: {
            "council:contacts/directory@0.1.0/contact-details": council_contacts::ContactDetails,
            "council:contacts/directory@0.1.0/body-kind": council_contacts::BodyKind,
            "council:contacts/directory@0.1.0/body": council_contacts::Body,
            "council:contacts/directory@0.1.0/source": council_contacts::Source,
            "council:contacts/directory@0.1.0/provenance": council_contacts::Provenance,
            "council:contacts/directory@0.1.0/body-answer": council_contacts::BodyAnswer,
            "council:contacts/directory@0.1.0/body-list": council_contacts::BodyList,
            "council:contacts/directory@0.1.0/body-query": council_contacts::BodyQuery,
            "council:contacts/directory@0.1.0/term": council_contacts::Term,
            "council:contacts/directory@0.1.0/councillor": council_contacts::Councillor,
            "council:contacts/directory@0.1.0/ward": council_contacts::Ward,
            "council:contacts/directory@0.1.0/councillor-answer": council_contacts::CouncillorAnswer,
            "council:contacts/directory@0.1.0/error": council_contacts::Error,
            "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
            "wasi:http/types@0.2.12": wasip2::http::types,
            "wasi:keyvalue/store@0.2.0-draft2": generate,
            "wasi:keyvalue/atomics@0.2.0-draft2": generate,
            "wasi:config/store@0.2.0-draft-2024-09-27": generate,
        },
    });
    /// The component's export.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::contacts::directory as wit;

council_capability::same_cases!(
    wit::BodyKind,
    lib::BodyKind {
        ParishCouncil,
        DistrictCouncil,
        CountyCouncil,
        UnitaryCouncil,
        Other
    }
);
council_capability::same_cases!(
    wit::Source,
    lib::Source {
        Moderngov,
        Directory
    }
);

type Service =
    ContactService<platform::HttpTransport, platform::KeyValueCache, platform::WasiClock>;

thread_local! {
    static SERVICE: OnceCell<Result<Service, lib::Error>> = const { OnceCell::new() };
}

/// Runs `f` with the instance's service, reading the settings on first use.
fn with_service<T>(f: impl FnOnce(&Service) -> Result<T, lib::Error>) -> Result<T, lib::Error> {
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
            Ok(service) => f(service),
            Err(e) => Err(e.clone()),
        }
    })
}

impl wit::Guest for Component {
    fn find_body(query: lib::BodyQuery) -> Result<Option<lib::BodyAnswer>, lib::Error> {
        with_service(|s| s.find_body(&query))
    }

    fn parish_councils() -> Result<lib::BodyList, lib::Error> {
        with_service(|s| s.parish_councils())
    }

    fn councillors_by_ward(ward_name: Option<String>) -> Result<lib::CouncillorAnswer, lib::Error> {
        with_service(|s| s.councillors_by_ward(ward_name.as_deref()))
    }

    fn councillors_by_ward_id(ward_id: u32) -> Result<lib::CouncillorAnswer, lib::Error> {
        with_service(|s| s.councillors_by_ward_id(ward_id))
    }

    fn councillors_by_postcode(postcode: String) -> Result<lib::CouncillorAnswer, lib::Error> {
        with_service(|s| s.councillors_by_postcode(&postcode))
    }
}
