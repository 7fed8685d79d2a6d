//! Country → sales region: the mapping behind the `region` feature, matched on the trimmed,
//! lower-case country as an English name or an ISO 3166-1 alpha-2 or alpha-3 code. Countries
//! not listed give an empty region (the country column itself is still there). The table is
//! documented in `docs/features.md`.

/// Regions and the countries in each (English names, alpha-2 and alpha-3 codes, lower case).
pub const REGIONS: &[(&str, &[&str])] = &[
    (
        "North America",
        &[
            "united states",
            "usa",
            "us",
            "united states of america",
            "canada",
            "ca",
            "can",
        ],
    ),
    (
        "Latin America",
        &[
            "mexico",
            "mx",
            "mex",
            "brazil",
            "br",
            "bra",
            "argentina",
            "ar",
            "arg",
            "chile",
            "cl",
            "chl",
            "colombia",
            "co",
            "col",
            "peru",
            "pe",
            "per",
            "uruguay",
            "uy",
            "ury",
        ],
    ),
    (
        "Europe",
        &[
            "united kingdom",
            "uk",
            "gb",
            "gbr",
            "great britain",
            "ireland",
            "ie",
            "irl",
            "germany",
            "de",
            "deu",
            "france",
            "fr",
            "fra",
            "netherlands",
            "nl",
            "nld",
            "belgium",
            "be",
            "bel",
            "luxembourg",
            "lu",
            "lux",
            "switzerland",
            "ch",
            "che",
            "austria",
            "at",
            "aut",
            "spain",
            "es",
            "esp",
            "portugal",
            "pt",
            "prt",
            "italy",
            "it",
            "ita",
            "sweden",
            "se",
            "swe",
            "norway",
            "no",
            "nor",
            "denmark",
            "dk",
            "dnk",
            "finland",
            "fi",
            "fin",
            "iceland",
            "is",
            "isl",
            "poland",
            "pl",
            "pol",
            "czechia",
            "czech republic",
            "cz",
            "cze",
            "hungary",
            "hu",
            "hun",
            "romania",
            "ro",
            "rou",
            "greece",
            "gr",
            "grc",
            "estonia",
            "ee",
            "est",
            "ukraine",
            "ua",
            "ukr",
        ],
    ),
    (
        "Middle East & Africa",
        &[
            "israel",
            "il",
            "isr",
            "united arab emirates",
            "uae",
            "ae",
            "are",
            "saudi arabia",
            "sa",
            "sau",
            "turkey",
            "türkiye",
            "tr",
            "tur",
            "south africa",
            "za",
            "zaf",
            "nigeria",
            "ng",
            "nga",
            "kenya",
            "ke",
            "ken",
            "egypt",
            "eg",
            "egy",
        ],
    ),
    (
        "Asia Pacific",
        &[
            "australia",
            "au",
            "aus",
            "new zealand",
            "nz",
            "nzl",
            "japan",
            "jp",
            "jpn",
            "china",
            "cn",
            "chn",
            "india",
            "in",
            "ind",
            "singapore",
            "sg",
            "sgp",
            "south korea",
            "korea",
            "kr",
            "kor",
            "hong kong",
            "hk",
            "hkg",
            "taiwan",
            "tw",
            "twn",
            "indonesia",
            "id",
            "idn",
            "malaysia",
            "my",
            "mys",
            "philippines",
            "ph",
            "phl",
            "thailand",
            "th",
            "tha",
            "vietnam",
            "viet nam",
            "vn",
            "vnm",
        ],
    ),
];

/// The region of a country, or `None` when the mapping does not list it.
pub fn region_of(country: &str) -> Option<&'static str> {
    let key = country.trim().to_lowercase();
    REGIONS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(region, _)| *region)
}

/// The mapping as a SQL `CASE` over the expression `column`.
pub fn region_sql(column: &str) -> String {
    let key = format!("lower(trim({column}))");
    let arms: String = REGIONS
        .iter()
        .map(|(region, names)| {
            let list: Vec<String> = names.iter().map(|n| crate::sql::quote(n)).collect();
            format!(
                " WHEN {key} IN ({}) THEN {}",
                list.join(", "),
                crate::sql::quote(region)
            )
        })
        .collect();
    format!("CASE{arms} END")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_map_to_one_region() {
        assert_eq!(region_of(" United Kingdom "), Some("Europe"));
        assert_eq!(region_of("GB"), Some("Europe"));
        assert_eq!(region_of("usa"), Some("North America"));
        assert_eq!(region_of("Japan"), Some("Asia Pacific"));
        assert_eq!(region_of("Atlantis"), None);
        let mut seen = std::collections::BTreeSet::new();
        for (_, names) in REGIONS {
            for n in *names {
                assert!(seen.insert(*n), "{n} listed twice");
                assert_eq!(
                    *n,
                    n.trim().to_lowercase(),
                    "{n} must be trimmed lower case"
                );
            }
        }
    }

    #[test]
    fn the_sql_names_every_region() {
        let sql = region_sql("a.country");
        for (region, _) in REGIONS {
            assert!(sql.contains(region));
        }
        assert!(sql.contains("lower(trim(a.country)) IN ('united states'"));
        assert!(sql.contains("'turkey'"), "names are quoted verbatim");
    }
}
