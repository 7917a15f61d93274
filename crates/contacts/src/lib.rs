//! ModernGov web-service and parish-page parsing, body matching, the static contact directory and Open Referral UK output behind council:contacts.
//!
//! The crate holds all of the contact-fetch capability's logic; the wasm component
//! only supplies I/O by implementing three traits:
//!
//! - [`io::Transport`] — HTTP GET with a timeout (wasi:http `outgoing-handler`);
//! - [`io::Cache`] — a byte store (wasi:keyvalue `default`);
//! - [`io::Clock`] — wall-clock time and sleeping.
//!
//! [`service::ContactService`] implements the WIT functions of
//! `council:contacts/directory` over them; [`model`] holds the WIT records;
//! [`moderngov`] parses what councils really return; [`matching`] matches a body
//! found by routing; [`directory`] reads the static directory; [`openreferral`]
//! renders Open Referral UK. Settings and their keys are in [`settings`] and
//! `docs/contacts.md`.
//!
//! # Example
//!
//! ```
//! use council_contacts::service::ContactService;
//! use council_contacts::settings::Settings;
//! use council_contacts::testing::{ManualClock, MemoryCache, ScriptedTransport};
//!
//! let settings = Settings::from_pairs([
//!     ("contacts_source", "moderngov"),
//!     ("moderngov_base_url", "https://democracy.example.gov.uk"),
//! ]).unwrap();
//! let transport = ScriptedTransport::new();
//! transport.ok(
//!     "https://democracy.example.gov.uk/mgWebService.asmx/GetCouncillorsByWard",
//!     "text/xml",
//!     "<councillorsbyward><wards></wards></councillorsbyward>",
//! );
//! let service = ContactService::new(settings, transport, MemoryCache::default(), ManualClock::at(0));
//! let answer = service.councillors_by_ward(None).unwrap();
//! assert!(answer.wards.is_empty());
//! assert!(!answer.provenance.stale);
//! ```
#![deny(missing_docs)]

pub mod cache;
pub mod directory;
pub mod htmltree;
pub mod io;
pub mod matching;
pub mod model;
pub mod moderngov;
pub mod openreferral;
pub mod service;
pub mod settings;
pub mod testing;
pub mod text;
pub mod xmltree;

pub use model::*;
