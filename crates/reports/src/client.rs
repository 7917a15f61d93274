//! Which client a request comes from, for per-client limits (the number of journeys
//! one address may start).
//!
//! Spin and council-host both tell a component the TCP peer's address in the
//! `spin-client-addr` header (`ip:port`). Behind a reverse proxy every request comes
//! from the proxy; the setting `client_ip_header` then names the header the proxy
//! writes the client's address into (`x-forwarded-for`), whose last entry — the one
//! the council's own proxy appended — is used. Entries further left are the client's
//! own claims and are never trusted.
//!
//! As in council-host, an IPv6 address counts by its /64 prefix (RFC 6177: one
//! subscriber is routinely given a whole /64).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The client key of an address: IPv4 as written, IPv6 as its /64 prefix.
pub fn key_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        },
    }
}

/// Parses one address as proxies and hosts write them: `ip`, `ip:port`,
/// `[v6]:port`.
fn parse_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client key of a request, from the value of `spin-client-addr` and, when the
/// deployment names one, of the proxy's header (see the module docs). `None` when
/// neither gives an address.
pub fn client_key(spin_client_addr: Option<&str>, proxy_header: Option<&str>) -> Option<String> {
    if let Some(forwarded) = proxy_header {
        return forwarded
            .rsplit(',')
            .next()
            .and_then(parse_address)
            .map(key_of);
    }
    spin_client_addr.and_then(parse_address).map(key_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_address_is_used_without_a_proxy_header() {
        assert_eq!(
            client_key(Some("192.0.2.7:51234"), None).as_deref(),
            Some("192.0.2.7")
        );
        assert_eq!(
            client_key(Some("[2001:db8:1:2:3:4:5:6]:443"), None).as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(client_key(Some("not an address"), None), None);
        assert_eq!(client_key(None, None), None);
    }

    #[test]
    fn behind_a_proxy_only_the_last_forwarded_entry_counts() {
        // The client wrote the first entry itself; the council's proxy appended the
        // last.
        assert_eq!(
            client_key(Some("10.0.0.1:80"), Some("203.0.113.9, 198.51.100.4")).as_deref(),
            Some("198.51.100.4")
        );
        assert_eq!(
            client_key(Some("10.0.0.1:80"), Some("2001:db8::1")).as_deref(),
            Some("2001:db8::/64")
        );
        assert_eq!(client_key(Some("10.0.0.1:80"), Some("garbage")), None);
    }
}
