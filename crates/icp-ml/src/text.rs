//! Text signals: a lexicon sentiment scorer for short business text (support tickets, rep
//! notes), in the manner of VADER (Hutto & Gilbert, 2014): each word of a small lexicon carries a
//! valence on a −4…+4 scale; a negator among the three words before a word flips and damps it
//! ("not happy"), an intensifier or dampener just before it moves it away from or towards zero
//! ("very slow", "slightly slow"), a word in capitals amid lower-case text is emphasised, words
//! after "but" weigh more than those before it, and exclamation marks amplify the total. The sum
//! is squashed to −1…+1 with `s / √(s² + 15)`.
//!
//! ```
//! use icp_ml::text::sentiment;
//! assert!(sentiment("Thanks, the new dashboard is great") > 0.3);
//! assert!(sentiment("We are not happy, the export keeps failing") < -0.3);
//! assert_eq!(sentiment("Where can I find the documentation?"), 0.0);
//! ```
//!
//! Written by hand because it is a few dozen lines over a word list, and the Rust ports of
//! VADER pull in a regex engine and a 7,500-word lexicon aimed at social media, not tickets.

/// Word valences, sorted by word (a test checks), on VADER's −4…+4 scale.
const LEXICON: &[(&str, f64)] = &[
    ("abysmal", -3.0),
    ("amazing", 2.8),
    ("angry", -2.3),
    ("annoyed", -1.8),
    ("annoying", -1.8),
    ("appreciate", 1.8),
    ("appreciated", 1.8),
    ("awesome", 3.1),
    ("awful", -2.9),
    ("bad", -2.5),
    ("best", 3.2),
    ("blocked", -1.5),
    ("blocker", -1.5),
    ("blocking", -1.5),
    ("broke", -1.8),
    ("broken", -2.1),
    ("bug", -1.2),
    ("buggy", -1.9),
    ("bugs", -1.2),
    ("cancel", -1.0),
    ("cancelling", -1.2),
    ("complain", -1.9),
    ("complaint", -1.9),
    ("confused", -1.2),
    ("confusing", -1.3),
    ("crash", -2.0),
    ("crashed", -2.0),
    ("crashes", -2.0),
    ("crashing", -2.0),
    ("delay", -1.1),
    ("delayed", -1.1),
    ("disappointed", -2.1),
    ("disappointing", -2.2),
    ("easy", 1.9),
    ("error", -1.5),
    ("errors", -1.5),
    ("excellent", 3.2),
    ("fail", -2.3),
    ("failed", -2.3),
    ("failing", -2.3),
    ("fails", -2.3),
    ("failure", -2.3),
    ("fantastic", 2.6),
    ("fast", 1.3),
    ("fine", 0.8),
    ("fixed", 1.2),
    ("frustrated", -2.0),
    ("frustrating", -2.0),
    ("glad", 2.0),
    ("good", 1.9),
    ("great", 3.1),
    ("happy", 2.7),
    ("hate", -2.7),
    ("helpful", 1.9),
    ("horrible", -2.5),
    ("impossible", -1.9),
    ("impressed", 2.1),
    ("incorrect", -1.4),
    ("issue", -0.8),
    ("issues", -0.8),
    ("lost", -1.3),
    ("love", 3.2),
    ("lovely", 2.8),
    ("mess", -1.5),
    ("missing", -1.2),
    ("nice", 1.8),
    ("outage", -2.2),
    ("overcharged", -2.2),
    ("pain", -2.0),
    ("perfect", 2.7),
    ("perfectly", 2.7),
    ("pleased", 2.0),
    ("poor", -2.1),
    ("problem", -1.7),
    ("problems", -1.7),
    ("refund", -1.0),
    ("reliable", 1.8),
    ("resolved", 1.1),
    ("satisfied", 1.8),
    ("slow", -1.3),
    ("smooth", 1.4),
    ("solved", 1.3),
    ("stuck", -1.5),
    ("superb", 3.0),
    ("terrible", -2.5),
    ("thank", 1.5),
    ("thanks", 1.9),
    ("unable", -1.5),
    ("unacceptable", -2.6),
    ("unhappy", -1.8),
    ("unusable", -2.5),
    ("upset", -1.6),
    ("urgent", -1.0),
    ("useful", 1.9),
    ("useless", -1.8),
    ("well", 1.1),
    ("wonderful", 2.7),
    ("worse", -2.1),
    ("worst", -3.1),
    ("wrong", -2.1),
];

/// Two-word expressions whose meaning the single words miss, with their valence.
const PHRASES: &[(&str, &str, f64)] = &[
    ("charged", "twice", -2.0),
    ("locked", "out", -2.0),
    ("not", "working", -2.0),
    ("still", "waiting", -1.5),
    ("works", "great", 2.5),
];

/// Words that flip the valence of a sentiment word up to three words later.
const NEGATORS: &[&str] = &[
    "aint", "cannot", "cant", "couldnt", "didnt", "doesnt", "dont", "hardly", "isnt", "neither",
    "never", "no", "nobody", "none", "nor", "not", "nothing", "nowhere", "wasnt", "werent",
    "without", "wont", "wouldnt",
];

/// Words that strengthen the next sentiment word.
const INTENSIFIERS: &[&str] = &[
    "absolutely",
    "completely",
    "deeply",
    "extremely",
    "highly",
    "incredibly",
    "really",
    "so",
    "super",
    "terribly",
    "too",
    "totally",
    "very",
];

/// Words that weaken the next sentiment word.
const DAMPENERS: &[&str] = &[
    "barely",
    "kinda",
    "marginally",
    "partly",
    "slightly",
    "somewhat",
];

/// VADER's constants: how much an intensifier adds, how a negation scales, the caps emphasis
/// and the normalisation constant.
const BOOST: f64 = 0.293;
const NEGATION_SCALE: f64 = -0.74;
const CAPS_BOOST: f64 = 0.733;
const ALPHA: f64 = 15.0;

fn valence(word: &str) -> Option<f64> {
    LEXICON
        .binary_search_by(|(w, _)| (*w).cmp(word))
        .ok()
        .map(|i| LEXICON[i].1)
}

/// One token: the word lower-cased with apostrophes removed ("can't" → "cant"), whether it was
/// written in capitals and whether it negates what follows.
struct Token {
    word: String,
    caps: bool,
    negates: bool,
}

fn tokens(text: &str) -> Vec<Token> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let letters: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
            let word = letters.to_lowercase();
            let lower = w.to_lowercase();
            Token {
                caps: letters.chars().count() > 1 && letters.chars().all(|c| c.is_uppercase()),
                negates: NEGATORS.contains(&word.as_str())
                    || lower.ends_with("n't")
                    || lower.ends_with("n’t"),
                word,
            }
        })
        .filter(|t| !t.word.is_empty())
        .collect()
}

/// Sentiment of a text in −1 (negative) … +1 (positive); 0 when no lexicon word occurs.
pub fn sentiment(text: &str) -> f64 {
    let toks = tokens(text);
    // Capitals are emphasis only when the text is not shouted throughout.
    let mixed_case = toks.iter().any(|t| !t.caps);
    let but = toks.iter().rposition(|t| t.word == "but");
    let mut total = 0.0;
    let mut i = 0;
    while i < toks.len() {
        let word = toks[i].word.as_str();
        let phrase = toks.get(i + 1).and_then(|next| {
            PHRASES
                .iter()
                .find(|(a, b, _)| *a == word && *b == next.word)
                .map(|p| p.2)
        });
        let (mut v, width) = match (phrase, valence(word)) {
            (Some(v), _) => (v, 2),
            (None, Some(v)) => (v, 1),
            (None, None) => {
                i += 1;
                continue;
            }
        };
        if toks[i].caps && mixed_case {
            v += CAPS_BOOST * v.signum();
        }
        // Intensifiers and dampeners one or two words back (the farther one counts less).
        for (back, scale) in [(1, 1.0), (2, 0.95)] {
            let Some(prev) = i.checked_sub(back).map(|j| toks[j].word.as_str()) else {
                break;
            };
            if INTENSIFIERS.contains(&prev) {
                v += BOOST * scale * v.signum();
            } else if DAMPENERS.contains(&prev) {
                v -= BOOST * scale * v.signum();
            }
        }
        // A negator up to three words back flips and damps the word; phrases that already
        // carry their negation ("not working") are left alone.
        let negated = phrase.is_none()
            && (1..=3).any(|back| i.checked_sub(back).is_some_and(|j| toks[j].negates));
        if negated {
            v *= NEGATION_SCALE;
        }
        if let Some(b) = but {
            v *= if i < b { 0.5 } else { 1.5 };
        }
        total += v;
        i += width;
    }
    if total != 0.0 {
        let bangs = text.chars().filter(|&c| c == '!').count().min(4) as f64;
        total += 0.292 * bangs * total.signum();
    }
    total / (total * total + ALPHA).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_is_sorted_and_unique_for_binary_search() {
        assert!(LEXICON.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn plain_positive_and_negative_sentences() {
        assert!(sentiment("The new dashboard is great") > 0.5);
        assert!(sentiment("The export is broken") < -0.4);
        assert!(sentiment("Very disappointed, the API has been broken for days") < -0.6);
        assert!(sentiment("Thanks for the fast help with the API") > 0.5);
    }

    #[test]
    fn text_without_lexicon_words_is_neutral() {
        assert_eq!(
            sentiment("How do I add new users to the report builder?"),
            0.0
        );
        assert_eq!(sentiment(""), 0.0);
        assert_eq!(sentiment("   ...  "), 0.0);
    }

    #[test]
    fn negation_flips_and_damps() {
        let happy = sentiment("we are happy");
        let not_happy = sentiment("we are not happy");
        assert!(not_happy < 0.0, "{not_happy}");
        assert!(not_happy.abs() < happy.abs());
        assert!(sentiment("we aren't happy") < 0.0);
        assert!(
            sentiment("we are not at all happy") < 0.0,
            "three words of scope"
        );
        assert!(sentiment("not bad at all") > 0.0);
        assert!(sentiment("Cannot log in, it is not working") < -0.3);
    }

    #[test]
    fn intensifiers_and_dampeners_move_away_from_and_towards_zero() {
        let slow = sentiment("the sync is slow");
        let very_slow = sentiment("the sync is very slow");
        let slightly_slow = sentiment("the sync is slightly slow");
        assert!(very_slow < slow && slow < slightly_slow && slightly_slow < 0.0);
        assert!(sentiment("really great") > sentiment("great"));
    }

    #[test]
    fn capitals_and_exclamation_marks_emphasise() {
        assert!(sentiment("this is BROKEN") < sentiment("this is broken"));
        assert!(sentiment("great!!") > sentiment("great"));
        // Shouting throughout is no emphasis of one word.
        assert_eq!(sentiment("THIS IS BROKEN"), sentiment("this is broken"));
    }

    #[test]
    fn the_clause_after_but_dominates() {
        assert!(sentiment("The setup was slow but the support is great") > 0.0);
        assert!(sentiment("The support is great but the setup is a disaster and broken") < 0.0);
    }

    #[test]
    fn phrases_read_as_a_whole() {
        assert!(sentiment("Our users are locked out") < -0.4);
        assert!(sentiment("We were charged twice for the Growth plan") < -0.4);
    }

    #[test]
    fn scores_stay_within_minus_one_and_one() {
        let angry = "terrible awful worst broken crash fail ".repeat(50);
        let s = sentiment(&angry);
        assert!((-1.0..-0.99).contains(&s), "{s}");
        assert!(sentiment(&"great ".repeat(50)) <= 1.0);
    }
}
