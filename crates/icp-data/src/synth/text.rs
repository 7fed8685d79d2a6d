//! Words of the synthetic company: company names and domains, people's names, rep names,
//! support-ticket texts (templates × products × features, with sentiment) and feedback notes.

use rand::Rng;
use rand::rngs::SmallRng;

const NAME_HEADS: [&str; 64] = [
    "Northwind",
    "Bluepeak",
    "Acme",
    "Silverline",
    "Redwood",
    "Ironbridge",
    "Brightwave",
    "Clearwater",
    "Stonegate",
    "Lumen",
    "Vertex",
    "Harbor",
    "Summit",
    "Evergreen",
    "Granite",
    "Crescent",
    "Falcon",
    "Orchid",
    "Beacon",
    "Cobalt",
    "Meridian",
    "Pioneer",
    "Quartz",
    "Riverbend",
    "Sterling",
    "Tidewater",
    "Unity",
    "Vantage",
    "Willow",
    "Zenith",
    "Amber",
    "Boreal",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Golden",
    "Highland",
    "Indigo",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "Nimbus",
    "Oakridge",
    "Pinnacle",
    "Quantum",
    "Rapid",
    "Sapphire",
    "Trident",
    "Upland",
    "Velvet",
    "Westfield",
    "Yellowstone",
    "Apex",
    "Blackstone",
    "Copper",
    "Driftwood",
    "Eastgate",
    "Foxglove",
    "Greenfield",
    "Horizon",
    "Ivory",
    "Jasper",
];

/// Second words of names, by industry index (see `archetypes::INDUSTRIES`).
const NAME_TAILS: [&[&str]; 16] = [
    &[
        "Software",
        "Labs",
        "Systems",
        "Cloud",
        "Data",
        "Analytics",
        "AI",
        "Digital",
    ],
    &["Pay", "Capital", "Ledger", "Finance", "Money", "Lending"],
    &["Commerce", "Shop", "Market", "Goods", "Store", "Brands"],
    &[
        "Manufacturing",
        "Industries",
        "Works",
        "Machinery",
        "Components",
        "Plastics",
    ],
    &[
        "Retail",
        "Outfitters",
        "Stores",
        "Supply",
        "Trading",
        "Home",
    ],
    &["Telecom", "Networks", "Communications", "Mobile", "Fiber"],
    &[
        "Financial",
        "Partners",
        "Advisors",
        "Asset Management",
        "Holdings",
    ],
    &[
        "Consulting",
        "Partners",
        "Advisory",
        "Group",
        "Associates",
        "Legal",
    ],
    &[
        "Construction",
        "Builders",
        "Engineering",
        "Contractors",
        "Homes",
    ],
    &["Hotels", "Hospitality", "Restaurants", "Resorts", "Travel"],
    &[
        "Health",
        "Medical",
        "Clinics",
        "Care",
        "Pharma",
        "Diagnostics",
    ],
    &["Bank", "Savings", "Trust", "Bancorp", "Credit Union"],
    &["Insurance", "Assurance", "Mutual", "Underwriters"],
    &["County", "Authority", "Agency", "Services", "Council"],
    &["Media", "Studios", "Publishing", "Broadcasting", "Pictures"],
    &["Learning", "Academy", "Education", "University", "Schools"],
];

/// A company name and the label its domain is built from (lower-case letters only).
pub fn company_name(
    rng: &mut SmallRng,
    industry: usize,
    legal: &[&str],
    with_legal: bool,
) -> (String, String) {
    let head = NAME_HEADS[rng.random_range(0..NAME_HEADS.len())];
    let tails = NAME_TAILS[industry.min(NAME_TAILS.len() - 1)];
    let tail = tails[rng.random_range(0..tails.len())];
    let mut name = format!("{head} {tail}");
    let label: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect();
    if with_legal && !legal.is_empty() {
        let l = legal[rng.random_range(0..legal.len())];
        if l.starts_with(',') {
            name.push_str(l);
        } else {
            name.push(' ');
            name.push_str(l);
        }
    }
    (name, label)
}

/// A name as a second CRM record of the same company would have it: "Acme, Inc." →
/// "ACME Inc", "Northwind Analytics GmbH" → "Northwind Analytics".
pub fn name_variant(rng: &mut SmallRng, name: &str) -> String {
    match rng.random_range(0..4) {
        0 => {
            let mut words = name.split(' ');
            let first = words.next().unwrap_or("").to_uppercase();
            let rest: Vec<&str> = words.collect();
            let mut s = first;
            for w in rest {
                s.push(' ');
                s.push_str(w.trim_end_matches('.'));
            }
            s.replace(',', "")
        }
        1 => {
            let words: Vec<&str> = name.split(' ').collect();
            if words.len() > 2 {
                words[..2].join(" ").replace(',', "")
            } else {
                format!("{name} Inc.")
            }
        }
        2 => name.to_lowercase(),
        _ => {
            format!("{} ", name.replace(", ", " "))
                .trim_end()
                .to_string()
                + "."
        }
    }
}

pub const FIRST_NAMES: [&str; 48] = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "lisa",
    "anthony",
    "betty",
    "mark",
    "sandra",
    "paul",
    "ashley",
    "steven",
    "emily",
    "andrew",
    "donna",
    "lukas",
    "sophie",
    "jan",
    "emma",
    "pierre",
    "camille",
    "oliver",
    "amelia",
    "noah",
    "mia",
    "liam",
    "olivia",
    "lucas",
    "isabel",
];

pub const LAST_NAMES: [&str; 48] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "mueller",
    "schmidt",
    "schneider",
    "dubois",
    "moreau",
    "jansen",
    "devries",
    "nilsson",
    "andersson",
    "fernandez",
    "murphy",
    "kelly",
];

pub const FREE_MAIL: [&str; 3] = ["gmail.com", "outlook.com", "yahoo.com"];

pub const REPS: [&str; 10] = [
    "Alex Morgan",
    "Priya Shah",
    "Tom Becker",
    "Maria Rossi",
    "Kenji Tanaka",
    "Chloe Martin",
    "Sam Okafor",
    "Laura Weber",
    "Diego Alvarez",
    "Hannah Cole",
];

const GOOD_NOTES: [&str; 6] = [
    "Strong fit, RevOps team is eager to move.",
    "Exactly our ICP: right size and modern data stack.",
    "Champion in sales ops, budget approved for next quarter.",
    "Great fit, they already use Snowflake and Salesforce.",
    "Good fit; ask for a reference call with a similar customer.",
    "Clear pain around pipeline visibility, good fit.",
];

const POOR_NOTES: [&str; 6] = [
    "Too small for us, no RevOps function.",
    "No budget and no clear use case.",
    "Wrong industry, they sell mostly offline.",
    "Data is outdated, the contact left the company.",
    "Poor fit: procurement process longer than the deal is worth.",
    "Not a fit, they built something in-house.",
];

pub fn feedback_note(rng: &mut SmallRng, good: bool) -> &'static str {
    let list = if good { &GOOD_NOTES } else { &POOR_NOTES };
    list[rng.random_range(0..list.len())]
}

const FEATURES: [&str; 12] = [
    "the dashboard",
    "CSV export",
    "SSO login",
    "the report builder",
    "the Salesforce sync",
    "the HubSpot integration",
    "the API",
    "alerts",
    "the scoring view",
    "user permissions",
    "the billing page",
    "data import",
];

const PRODUCTS: [&str; 4] = [
    "Starter plan",
    "Growth plan",
    "Enterprise plan",
    "mobile app",
];

const NEGATIVE: [&str; 10] = [
    "{f} keeps failing, this is the third time this week",
    "Cannot get {f} to work since the last update",
    "{f} is extremely slow for our whole team",
    "Urgent: {f} shows wrong numbers after the sync",
    "Still waiting on a reply about {f}, this is blocking us",
    "We were charged twice for the {p}",
    "{f} crashed again and we lost our changes",
    "Very disappointed, {f} has been broken for days",
    "Our users are locked out, {f} returns an error",
    "Export to CSV keeps failing, this is the third time this week",
];

const NEUTRAL: [&str; 8] = [
    "How do I add new users to {f}?",
    "Question about our invoice for the {p}",
    "Can we change the owner of our workspace?",
    "Request: higher API limits for {f}",
    "Where can I find the documentation for {f}?",
    "Please update the billing contact on the {p}",
    "Is there a way to schedule {f}?",
    "We would like a training session on {f}",
];

const POSITIVE: [&str; 6] = [
    "Thanks, the new dashboard is great",
    "Quick question, but {f} works really well so far",
    "{f} works perfectly now, thank you!",
    "Love the {p}, can we add two more seats?",
    "Thanks for the fast help with {f}",
    "Great update to {f}, the team is happy",
];

const SECOND_LINES: [&str; 4] = [
    "Sent from my iPhone",
    "Steps: open the page, click export, wait.",
    "Ticket reopened by customer.",
    "Best regards, the ops team",
];

/// Ticket sentiment: −1 negative, 0 neutral, 1 positive.
pub fn ticket_text(rng: &mut SmallRng, sentiment: i8) -> String {
    let list: &[&str] = match sentiment {
        s if s < 0 => &NEGATIVE,
        0 => &NEUTRAL,
        _ => &POSITIVE,
    };
    let t = list[rng.random_range(0..list.len())];
    let f = FEATURES[rng.random_range(0..FEATURES.len())];
    let p = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
    let mut s = t.replace("{f}", f).replace("{p}", p);
    if s.starts_with("the ") {
        s.replace_range(0..1, "T");
    }
    if rng.random_bool(0.02) {
        s.push('\n');
        s.push_str(SECOND_LINES[rng.random_range(0..SECOND_LINES.len())]);
    }
    s
}
