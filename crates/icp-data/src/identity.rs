//! Company identity from web domains: normalising what users type in a domain or email field
//! (`https://WWW.Acme.com/pricing`, `jane@eu.acme.co.uk`) to the registrable domain (`acme.com`,
//! `acme.co.uk`) with the public suffix list, and recognising free-mail providers, which never
//! identify a company.

/// Email providers whose addresses say nothing about the employer.
pub const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.ru",
    "qq.com",
    "163.com",
    "zoho.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "orange.fr",
    "free.fr",
];

/// The registrable domain ("eTLD+1") of a domain, URL or email address, lower-cased;
/// `None` when there is none (empty, an IP address, a bare public suffix such as `co.uk`).
pub fn registrable_domain(input: &str) -> Option<String> {
    let mut host = input.trim();
    if let Some((_, after)) = host.rsplit_once('@') {
        host = after;
    }
    if let Some((_, after)) = host.split_once("://") {
        host = after;
    }
    let host = host
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host.is_empty() || host.parse::<std::net::Ipv4Addr>().is_ok() || !host.contains('.') {
        return None;
    }
    psl::domain_str(&host).map(str::to_string)
}

/// Whether an email address or domain belongs to a free-mail provider.
pub fn is_free_mail(input: &str) -> bool {
    registrable_domain(input).is_some_and(|d| FREE_MAIL.contains(&d.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_variants_to_the_registrable_domain() {
        for v in [
            "acme.com",
            "WWW.ACME.COM",
            "https://www.acme.com/pricing?x=1",
            "eu.app.acme.com",
            "jane.doe@Shop.Acme.com",
            "acme.com.",
        ] {
            assert_eq!(registrable_domain(v).as_deref(), Some("acme.com"), "{v}");
        }
        assert_eq!(
            registrable_domain("www.acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(
            registrable_domain("shop.acme.com.au").as_deref(),
            Some("acme.com.au")
        );
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("10.0.0.1"), None);
        assert_eq!(registrable_domain(""), None);
    }

    #[test]
    fn free_mail_is_recognised() {
        assert!(is_free_mail("someone@gmail.com"));
        assert!(
            is_free_mail("x@mail.yahoo.co.uk")
                || registrable_domain("x@mail.yahoo.co.uk").as_deref() == Some("yahoo.co.uk")
        );
        assert!(!is_free_mail("jane@acme.com"));
    }
}
