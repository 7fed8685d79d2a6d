//! The six latent archetypes of the synthetic company and the vocabularies they draw from
//! (industries, technologies, countries, event types). Pure data: every number that shapes
//! an archetype's firmographics, behaviour, deals and churn lives here.

/// Event types, indexed by the `u8` stored in simulated events.
pub const EVENT_TYPES: [&str; 13] = [
    "web_visit",
    "pricing_page",
    "content_download",
    "webinar_attended",
    "email_open",
    "email_click",
    "case_study_view",
    "competitor_comparison",
    "roi_calculator",
    "demo_request",
    "trial_signup",
    "product_login",
    "feature_used",
];

pub const WEB_VISIT: u8 = 0;
pub const PRICING_PAGE: u8 = 1;
pub const CONTENT_DOWNLOAD: u8 = 2;
pub const WEBINAR: u8 = 3;
pub const EMAIL_OPEN: u8 = 4;
pub const EMAIL_CLICK: u8 = 5;
pub const CASE_STUDY: u8 = 6;
pub const COMPETITOR_COMPARISON: u8 = 7;
pub const ROI_CALCULATOR: u8 = 8;
pub const DEMO_REQUEST: u8 = 9;
pub const TRIAL_SIGNUP: u8 = 10;
pub const PRODUCT_LOGIN: u8 = 11;
pub const FEATURE_USED: u8 = 12;

/// Event mix inside a buying-cycle surge (weights over event types 0..=9).
pub const SURGE_MIX: [f64; 10] = [0.14, 0.20, 0.13, 0.05, 0.04, 0.05, 0.16, 0.12, 0.08, 0.03];

pub const INDUSTRIES: [&str; 16] = [
    "Software",
    "Fintech",
    "E-commerce",
    "Manufacturing",
    "Retail",
    "Telecommunications",
    "Financial Services",
    "Professional Services",
    "Construction",
    "Hospitality",
    "Healthcare",
    "Banking",
    "Insurance",
    "Public Sector",
    "Media",
    "Education",
];

/// Industries whose accounts fit the seller's product better (enter `fit`).
pub const TARGET_INDUSTRIES: [usize; 5] = [0, 1, 2, 6, 10];

pub const TECHNOLOGIES: [&str; 20] = [
    "AWS",
    "Snowflake",
    "Segment",
    "dbt",
    "HubSpot",
    "Salesforce",
    "SAP",
    "Oracle",
    "Azure",
    "Shopify",
    "Google Workspace",
    "Microsoft 365",
    "ServiceNow",
    "Zendesk",
    "Slack",
    "Stripe",
    "Mailchimp",
    "Tableau",
    "Workday",
    "Intercom",
];
pub const TECH_SNOWFLAKE: usize = 1;
pub const TECH_SALESFORCE: usize = 5;

/// Countries: name, top-level domain used by some local companies, legal suffixes.
pub struct Country {
    pub name: &'static str,
    pub tld: &'static str,
    pub legal: &'static [&'static str],
}

pub const COUNTRIES: [Country; 9] = [
    Country {
        name: "United States",
        tld: "com",
        legal: &["Inc.", ", Inc.", "LLC", "Corp."],
    },
    Country {
        name: "United Kingdom",
        tld: "co.uk",
        legal: &["Ltd", "plc"],
    },
    Country {
        name: "Germany",
        tld: "de",
        legal: &["GmbH", "AG"],
    },
    Country {
        name: "France",
        tld: "fr",
        legal: &["SAS", "SA"],
    },
    Country {
        name: "Australia",
        tld: "com.au",
        legal: &["Pty Ltd"],
    },
    Country {
        name: "Canada",
        tld: "ca",
        legal: &["Inc.", "Ltd"],
    },
    Country {
        name: "Netherlands",
        tld: "nl",
        legal: &["B.V."],
    },
    Country {
        name: "Spain",
        tld: "es",
        legal: &["S.L."],
    },
    Country {
        name: "Sweden",
        tld: "se",
        legal: &["AB"],
    },
];

/// Weights of the non-US countries (indices 1..) for companies outside the US.
pub const NON_US_WEIGHTS: [f64; 8] = [0.26, 0.22, 0.14, 0.10, 0.09, 0.08, 0.06, 0.05];

/// One latent archetype.
pub struct Archetype {
    pub name: &'static str,
    pub share: f64,
    /// (industry index, weight).
    pub industries: &'static [(usize, f64)],
    pub employees_median: f64,
    pub employees_sigma: f64,
    /// Median annual revenue per employee.
    pub revenue_per_employee: f64,
    /// Company age in years: mean and standard deviation (normal, clamped to ≥ 1).
    pub age: (f64, f64),
    pub us_share: f64,
    /// (technology index, probability of using it).
    pub techs: &'static [(usize, f64)],
    /// Probability of using any other technology.
    pub other_tech: f64,
    /// Probability that each firmographic cell is missing in the CRM (the archetype's own
    /// data decay, not injected dirt).
    pub sparse: f64,
    /// Baseline marketing and web events per month at propensity 1.
    pub base_rate: f64,
    /// Engagement propensity: median of a log-normal with sigma 0.5.
    pub propensity: f64,
    /// Baseline event mix over event types 0..=9.
    pub mix: [f64; 10],
    /// Mean number of contacts known at the start.
    pub contacts: f64,
    /// Isolated non-cycle spikes per 24 months.
    pub spikes: f64,
    /// Probability of a free product trial before buying.
    pub trial: f64,
    /// Product events per month per active customer at steady usage.
    pub usage: f64,
    pub fit_offset: f64,
    /// Buying cycles per 24 months at fit 0 (multiplied by exp(0.6·fit)).
    pub cycle_rate: f64,
    /// Days from surge start to opportunity creation (inclusive range within 10–45).
    pub lag: (u32, u32),
    /// Sales cycle (close − create): gamma shape and mean in days.
    pub sales_cycle: (f64, f64),
    /// Deal amount: log-normal median at the archetype's median size, and sigma.
    pub amount: (f64, f64),
    pub win_offset: f64,
    pub churn_offset: f64,
    /// Monthly expansion probability at stable usage.
    pub expansion: f64,
    /// Support pain ~ Beta(a, b).
    pub pain: (f64, f64),
    /// Probability that a customer's usage declines (grows: `growing`).
    pub declining: f64,
    pub growing: f64,
}

pub const ARCHETYPES: [Archetype; 6] = [
    Archetype {
        name: "high_growth_scaleup",
        share: 0.20,
        industries: &[(0, 0.5), (1, 0.3), (2, 0.2)],
        employees_median: 250.0,
        employees_sigma: 0.55,
        revenue_per_employee: 220_000.0,
        age: (7.0, 3.0),
        us_share: 0.7,
        techs: &[
            (0, 0.85),
            (1, 0.7),
            (2, 0.6),
            (3, 0.55),
            (4, 0.6),
            (14, 0.7),
            (15, 0.5),
        ],
        other_tech: 0.05,
        sparse: 0.02,
        base_rate: 1.9,
        propensity: 1.4,
        mix: [0.30, 0.10, 0.12, 0.05, 0.15, 0.08, 0.08, 0.06, 0.04, 0.02],
        contacts: 5.0,
        spikes: 0.5,
        trial: 0.3,
        usage: 16.0,
        fit_offset: 0.6,
        cycle_rate: 0.75,
        lag: (12, 30),
        sales_cycle: (3.0, 45.0),
        amount: (24_000.0, 0.5),
        win_offset: 0.3,
        churn_offset: -0.2,
        expansion: 0.05,
        pain: (2.0, 5.0),
        declining: 0.15,
        growing: 0.45,
    },
    Archetype {
        name: "consolidated_enterprise",
        share: 0.12,
        industries: &[(3, 0.3), (4, 0.2), (5, 0.2), (6, 0.3)],
        employees_median: 5000.0,
        employees_sigma: 0.6,
        revenue_per_employee: 330_000.0,
        age: (62.0, 22.0),
        us_share: 0.55,
        techs: &[
            (5, 0.8),
            (6, 0.65),
            (7, 0.6),
            (8, 0.6),
            (11, 0.6),
            (17, 0.4),
            (18, 0.5),
        ],
        other_tech: 0.04,
        sparse: 0.02,
        base_rate: 1.3,
        propensity: 1.0,
        mix: [0.24, 0.08, 0.16, 0.08, 0.22, 0.08, 0.08, 0.03, 0.02, 0.01],
        contacts: 12.0,
        spikes: 0.3,
        trial: 0.02,
        usage: 12.0,
        fit_offset: 0.2,
        cycle_rate: 0.55,
        lag: (25, 45),
        sales_cycle: (3.0, 120.0),
        amount: (120_000.0, 0.55),
        win_offset: -0.4,
        churn_offset: -0.8,
        expansion: 0.03,
        pain: (2.0, 4.0),
        declining: 0.2,
        growing: 0.25,
    },
    Archetype {
        name: "agile_regional_smb",
        share: 0.22,
        industries: &[(7, 0.35), (4, 0.25), (8, 0.2), (9, 0.2)],
        employees_median: 40.0,
        employees_sigma: 0.6,
        revenue_per_employee: 110_000.0,
        age: (16.0, 8.0),
        us_share: 0.25,
        techs: &[(4, 0.6), (9, 0.55), (10, 0.75), (16, 0.5), (15, 0.3)],
        other_tech: 0.03,
        sparse: 0.04,
        base_rate: 1.05,
        propensity: 1.0,
        mix: [0.34, 0.10, 0.06, 0.02, 0.24, 0.12, 0.05, 0.03, 0.03, 0.01],
        contacts: 2.5,
        spikes: 1.2,
        trial: 0.08,
        usage: 7.0,
        fit_offset: -0.5,
        cycle_rate: 0.6,
        lag: (10, 20),
        sales_cycle: (2.0, 20.0),
        amount: (5_000.0, 0.45),
        win_offset: 0.2,
        churn_offset: 0.6,
        expansion: 0.02,
        pain: (2.0, 3.0),
        declining: 0.35,
        growing: 0.15,
    },
    Archetype {
        name: "regulated_buyer",
        share: 0.14,
        industries: &[(10, 0.3), (11, 0.25), (12, 0.25), (13, 0.2)],
        employees_median: 1200.0,
        employees_sigma: 0.55,
        revenue_per_employee: 260_000.0,
        age: (42.0, 15.0),
        us_share: 0.6,
        techs: &[
            (11, 0.85),
            (8, 0.6),
            (12, 0.6),
            (7, 0.5),
            (5, 0.35),
            (17, 0.3),
        ],
        other_tech: 0.04,
        sparse: 0.02,
        base_rate: 1.6,
        propensity: 1.1,
        mix: [0.12, 0.04, 0.24, 0.18, 0.12, 0.06, 0.20, 0.02, 0.01, 0.01],
        contacts: 8.0,
        spikes: 0.3,
        trial: 0.02,
        usage: 10.0,
        fit_offset: 0.1,
        cycle_rate: 0.5,
        lag: (30, 45),
        sales_cycle: (3.0, 150.0),
        amount: (60_000.0, 0.5),
        win_offset: -0.1,
        churn_offset: -1.0,
        expansion: 0.025,
        pain: (2.0, 5.0),
        declining: 0.15,
        growing: 0.3,
    },
    Archetype {
        name: "stagnant_data_decay",
        share: 0.17,
        industries: &[
            (3, 0.1),
            (4, 0.1),
            (7, 0.1),
            (8, 0.1),
            (9, 0.1),
            (5, 0.1),
            (14, 0.1),
            (6, 0.1),
            (15, 0.1),
            (0, 0.1),
        ],
        employees_median: 150.0,
        employees_sigma: 0.7,
        revenue_per_employee: 80_000.0,
        age: (38.0, 15.0),
        us_share: 0.5,
        techs: &[(7, 0.3), (16, 0.3), (11, 0.3)],
        other_tech: 0.02,
        sparse: 0.35,
        base_rate: 0.9,
        propensity: 0.7,
        mix: [0.10, 0.02, 0.03, 0.01, 0.70, 0.10, 0.02, 0.01, 0.005, 0.005],
        contacts: 1.5,
        spikes: 0.3,
        trial: 0.01,
        usage: 4.0,
        fit_offset: -1.1,
        cycle_rate: 0.25,
        lag: (15, 40),
        sales_cycle: (2.0, 60.0),
        amount: (8_000.0, 0.6),
        win_offset: -0.6,
        churn_offset: 0.9,
        expansion: 0.01,
        pain: (3.0, 3.0),
        declining: 0.5,
        growing: 0.1,
    },
    Archetype {
        name: "product_led_adopter",
        share: 0.15,
        industries: &[(0, 0.5), (14, 0.25), (15, 0.25)],
        employees_median: 60.0,
        employees_sigma: 0.6,
        revenue_per_employee: 140_000.0,
        age: (8.0, 4.0),
        us_share: 0.55,
        techs: &[
            (0, 0.5),
            (10, 0.6),
            (14, 0.8),
            (15, 0.45),
            (19, 0.5),
            (3, 0.2),
        ],
        other_tech: 0.04,
        sparse: 0.03,
        base_rate: 0.5,
        propensity: 1.0,
        mix: [0.40, 0.12, 0.05, 0.02, 0.18, 0.08, 0.06, 0.04, 0.03, 0.02],
        contacts: 3.0,
        spikes: 0.4,
        trial: 0.75,
        usage: 22.0,
        fit_offset: 0.2,
        cycle_rate: 0.7,
        lag: (10, 25),
        sales_cycle: (2.0, 30.0),
        amount: (9_000.0, 0.45),
        win_offset: 0.4,
        churn_offset: 0.0,
        expansion: 0.07,
        pain: (2.0, 6.0),
        declining: 0.15,
        growing: 0.5,
    },
];
