//! ModernGov web-service and parish-page parsing, body matching, the static contact directory and Open Referral UK output behind council:contacts.
#![deny(missing_docs)]
