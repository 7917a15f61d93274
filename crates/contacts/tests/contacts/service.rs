//! The contact service over a scripted upstream: its cache and expiry, stale-if-error,
//! a broken cache store, the per-host rate limit, personal and public answers cached
//! apart, and an upstream that does not answer.

use std::time::Duration;

use council_contacts::io::{HttpResponse, TransportError};
use council_contacts::service::ContactService;
use council_contacts::testing::{ManualClock, MemoryCache, ScriptedTransport};
use council_contacts::{BodyQuery, Error, Source};

use super::{BASE, WARD_URL, fixture, moderngov_settings, xml};

#[test]
fn cache_hit_skips_the_upstream() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    let first = svc.councillors_by_ward(None).unwrap();
    assert_eq!(first.provenance.source, Source::Moderngov);
    assert_eq!(first.provenance.url.as_deref(), Some(WARD_URL));
    assert_eq!(first.provenance.fetched_at, 1_700_000_000);
    clock.advance(3_600_000);
    let second = svc.councillors_by_ward(Some("almondbury ")).unwrap();
    assert_eq!(transport.count(), 1, "served from the cache");
    assert_eq!(second.wards.len(), 1);
    assert_eq!(second.provenance.age_seconds, 3600);
    assert!(!second.provenance.stale);
    // A fresh instance (Spin makes one per request) sees the same cache.
    let again = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    again.councillors_by_ward(None).unwrap();
    assert_eq!(transport.count(), 1);
}

#[test]
fn expired_entries_are_fetched_again() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/online.eastherts.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_cache_ttl_seconds", "60")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(svc.councillors_by_ward(None).unwrap().wards.is_empty());
    clock.advance(60_000);
    let fresh = svc.councillors_by_ward(None).unwrap();
    assert_eq!(transport.count(), 2);
    assert_eq!(fresh.wards.len(), 23);
    assert_eq!(fresh.provenance.age_seconds, 0);
}

#[test]
fn stale_if_error_serves_the_last_good_answer() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/leeds.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        Err(TransportError::Timeout(Duration::from_secs(5))),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    svc.councillors_by_ward(None).unwrap();
    clock.advance(25 * 3_600_000);
    // Garbage upstream: the last good answer, stale, with the reason.
    let stale = svc.councillors_by_ward(None).unwrap();
    assert_eq!(stale.wards.len(), 23);
    assert!(stale.provenance.stale);
    assert_eq!(stale.provenance.age_seconds, 25 * 3600);
    assert_eq!(
        stale.provenance.stale_reason.as_deref(),
        Some("upstream sent an HTML page titled \"Error\" where XML was expected")
    );
    // The garbage did not replace the good copy; a timeout serves it too.
    clock.advance(2_000);
    let stale = svc.councillors_by_ward(None).unwrap();
    assert_eq!(stale.wards.len(), 23);
    assert_eq!(
        stale.provenance.stale_reason.as_deref(),
        Some("upstream timed out after 5 s")
    );
    assert_eq!(stale.provenance.fetched_at, 1_700_000_000);
}

#[test]
fn broken_upstream_without_a_copy_is_an_error_naming_url_and_problem() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/leeds.gov.uk.xml")),
    );
    let svc = ContactService::new(
        moderngov_settings(&[]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    assert_eq!(
        svc.councillors_by_ward(None).unwrap_err(),
        Error::UpstreamInvalid(format!(
            "{WARD_URL}: sent an HTML page titled \"Error\" where XML was expected"
        ))
    );
    let by_id = format!("{BASE}/mgWebService.asmx/GetCouncillorsByWardId?lWardId=7");
    transport.push(
        &by_id,
        Ok(HttpResponse {
            status: 503,
            content_type: None,
            body: vec![],
        }),
    );
    assert_eq!(
        svc.councillors_by_ward_id(7).unwrap_err(),
        Error::UpstreamUnavailable(format!("{by_id}: answered HTTP 503"))
    );
    let by_pc = format!("{BASE}/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=M31%204AN");
    transport.push(&by_pc, Err(TransportError::Timeout(Duration::from_secs(5))));
    assert_eq!(
        svc.councillors_by_postcode("m314an").unwrap_err(),
        Error::UpstreamUnavailable(format!("{by_pc}: timed out after 5 s"))
    );
    transport.push(
        &by_pc,
        Err(TransportError::Denied(
            "democracy.example.gov.uk is not in allowed_outbound_hosts".into(),
        )),
    );
    assert!(
        matches!(svc.councillors_by_postcode("M31 4AN"), Err(Error::UpstreamUnavailable(m)) if m.contains("denied by the host's outbound allow-list"))
    );
    assert!(matches!(
        svc.councillors_by_postcode("not a postcode"),
        Err(Error::InvalidQuery(_))
    ));
}

#[test]
fn a_broken_cache_store_is_a_miss_not_a_failure() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    cache.broken.set(true);
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    assert_eq!(svc.councillors_by_ward(None).unwrap().wards.len(), 23);
}

#[test]
fn requests_to_one_host_are_spaced_across_instances() {
    let clock = ManualClock::at(1_000_000);
    let transport = ScriptedTransport::new().with_clock(&clock);
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/online.eastherts.gov.uk.xml")),
    );
    let by_id = format!("{BASE}/mgWebService.asmx/GetCouncillorsByWardId?lWardId=1");
    transport.push(&by_id, xml(&fixture("councillors-by-ward-id/example.xml")));
    let cache = MemoryCache::default();
    ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock)
        .councillors_by_ward(None)
        .unwrap();
    clock.advance(300);
    // A new instance with the same store waits out the rest of the second.
    ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock)
        .councillors_by_ward_id(1)
        .unwrap();
    let times: Vec<u64> = transport
        .requests
        .borrow()
        .iter()
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(times, [1_000_000, 1_001_000]);
    assert_eq!(clock.slept.get(), 700);
}

#[test]
fn personal_and_public_answers_are_cached_apart() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let on = ContactService::new(
        moderngov_settings(&[("contacts_include_personal", "true")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(
        !on.councillors_by_ward(None).unwrap().wards[0].councillors[0]
            .home
            .is_empty()
    );
    let off = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(
        off.councillors_by_ward(None).unwrap().wards[0].councillors[0]
            .home
            .is_empty()
    );
    assert_eq!(transport.count(), 2);
}

#[test]
fn an_unanswering_upstream_costs_a_call_one_timeout() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    let ws = format!("{BASE}/mgWebService.asmx/GetParishCouncils");
    let details = format!("{BASE}/mgParishCouncilDetailsList.aspx");
    transport.push(&ws, xml(&fixture("parish-councils/example.xml")));
    transport.ok(
        &details,
        "text/html",
        fixture("parish-details-list/example.html"),
    );
    for url in [&ws, &details] {
        transport.push(url, Err(TransportError::Timeout(Duration::from_secs(5))));
    }
    let cache = MemoryCache::default();
    let svc = ContactService::new(
        moderngov_settings(&[
            ("contacts_min_interval_ms", "0"),
            ("contacts_cache_ttl_seconds", "60"),
        ]),
        &transport,
        &cache,
        &clock,
    );
    let q = BodyQuery {
        gss_code: None,
        name: Some("Partington".into()),
        kind: None,
    };
    svc.find_body(&q).unwrap().unwrap();
    assert_eq!(transport.count(), 2);
    clock.advance(61_000);
    // The list times out; the details page is not asked for, and both come from
    // the cache, stale, with the reason.
    let a = svc.find_body(&q).unwrap().unwrap();
    assert_eq!(transport.count(), 3);
    assert!(a.provenance.stale);
    assert_eq!(a.body.contact.name.as_deref(), Some("The Town Clerk"));
    assert_eq!(
        a.provenance.stale_reason.as_deref(),
        Some("upstream timed out after 5 s; upstream timed out after 5 s")
    );
    // The next call gives the upstream a fresh chance.
    svc.parish_councils().unwrap();
    assert_eq!(transport.count(), 4);
    // Without copies: one request, and the error names the first URL.
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    assert_eq!(
        svc.parish_councils().unwrap_err(),
        Error::UpstreamUnavailable(format!("{ws}: timed out after 5 s"))
    );
    assert_eq!(transport.count(), 5);
}
