//! Realistic records of the three kinds users post: `pin`, `geo` and `user`. Deterministic under a
//! seed: the same seed gives the same records, whatever the machine or the time.

use serde_json::{Value as Json, json};

/// The kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A pin: title, description, poster, tags, image, category...
    Pin,
    /// Where a pin was posted from.
    Geo,
    /// Who posted it.
    User,
    /// pin, geo, user in turn.
    Mixed,
}

impl Kind {
    /// The kind of the `index`-th record (cycling for `Mixed`).
    pub fn of(self, index: u64) -> Kind {
        match self {
            Kind::Mixed => [Kind::Pin, Kind::Geo, Kind::User][(index % 3) as usize],
            other => other,
        }
    }

    /// A short name for event ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pin => "pin",
            Kind::Geo => "geo",
            Kind::User => "user",
            Kind::Mixed => "mixed",
        }
    }
}

const CATEGORIES: &[&str] = &[
    "mandalas",
    "art",
    "diy-and-crafts",
    "education",
    "event-planning",
    "finance",
    "home-decor",
    "quotes",
    "tattoos",
    "travel",
    "vehicles",
    "beauty",
    "christmas",
];
const WORDS: &[&str] = &[
    "easy",
    "ideas",
    "best",
    "home",
    "diy",
    "simple",
    "modern",
    "vintage",
    "colorful",
    "minimal",
    "garden",
    "kitchen",
    "weekend",
    "project",
    "guide",
    "tips",
    "inspiration",
    "design",
    "style",
    "summer",
    "winter",
    "cozy",
    "budget",
];
const FIRST: &[&str] = &[
    "Abigail",
    "Andrew",
    "Alexandra",
    "Brian",
    "Chloe",
    "Daniel",
    "Emma",
    "Farah",
    "George",
    "Hannah",
    "Isaac",
    "Jun",
    "Kiran",
    "Lucía",
    "Mateo",
    "Nadia",
    "Olivier",
    "Priya",
    "Sven",
    "Zoë",
];
const LAST: &[&str] = &[
    "Ali",
    "Brown",
    "Chen",
    "Dubois",
    "Evans",
    "García",
    "Hernandez",
    "Ivanova",
    "Johnson",
    "Kowalski",
    "Lee",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Rossi",
    "Smith",
    "Tanaka",
    "Wright",
    "Zhang",
];
const COUNTRIES: &[&str] = &[
    "Albania",
    "Argentina",
    "Australia",
    "Brazil",
    "Canada",
    "Côte d'Ivoire",
    "Egypt",
    "France",
    "Germany",
    "India",
    "Japan",
    "Kenya",
    "Mexico",
    "Norway",
    "Peru",
    "South Korea",
    "Spain",
    "United Kingdom",
    "United States",
    "Vietnam",
];

/// Seconds of 2015-01-01T00:00:00Z and 2025-01-01T00:00:00Z: generated times fall in between.
const EPOCH_FROM: i64 = 1_420_070_400;
const EPOCH_TO: i64 = 1_735_689_600;

/// A deterministic record generator.
pub struct Generator {
    rng: fastrand::Rng,
}

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

fn iso8601(rng: &mut fastrand::Rng) -> String {
    let seconds = rng.i64(EPOCH_FROM..EPOCH_TO);
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn degrees(rng: &mut fastrand::Rng, limit: f64) -> f64 {
    ((rng.f64() * 2.0 - 1.0) * limit * 1e4).round() / 1e4
}

fn words(rng: &mut fastrand::Rng, count: usize) -> String {
    (0..count).map(|_| pick(rng, WORDS)).collect::<Vec<_>>().join(" ")
}

impl Generator {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The next record of `kind`, with `index` as its `index`/`ind` field.
    pub fn record(&mut self, kind: Kind, index: u64) -> Json {
        let rng = &mut self.rng;
        match kind.of(index) {
            Kind::Pin | Kind::Mixed => {
                let category = pick(rng, CATEGORIES);
                let video = rng.u8(..10) == 0;
                json!({
                    "index": index,
                    "unique_id": format!(
                        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                        rng.u32(..), rng.u16(..), rng.u16(..0x1000), rng.u16(0x8000..0xc000), rng.u64(..1 << 48)
                    ),
                    "title": format!("{} {category}", words(rng, 3)),
                    "description": format!("{}.", words(rng, 12)),
                    "follower_count": rng.u32(0..2_000_000),
                    "poster_name": format!("{} {}", pick(rng, FIRST), pick(rng, LAST)),
                    "tag_list": (0..rng.usize(1..6)).map(|_| pick(rng, WORDS)).collect::<Vec<_>>().join(","),
                    "is_image_or_video": if video { "video" } else { "image" },
                    "image_src": format!("https://i.example.com/{:016x}.{}", rng.u64(..), if video { "mp4" } else { "jpg" }),
                    "save_location": format!("Local save in /data/{category}"),
                    "category": category,
                    "downloaded": rng.u8(..2),
                })
            }
            Kind::Geo => json!({
                "ind": index,
                "timestamp": iso8601(rng),
                // Four decimals (about 11 m), as location data is usually sent.
                "latitude": degrees(rng, 90.0),
                "longitude": degrees(rng, 180.0),
                "country": pick(rng, COUNTRIES),
            }),
            Kind::User => json!({
                "ind": index,
                "first_name": pick(rng, FIRST),
                "last_name": pick(rng, LAST),
                "age": rng.u8(18..81),
                "date_joined": iso8601(rng),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Json) -> Vec<&str> {
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        keys
    }

    #[test]
    fn deterministic_under_a_seed() {
        let run = |seed| {
            let mut g = Generator::new(seed);
            (0..30).map(|i| g.record(Kind::Mixed, i)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn every_record_has_the_documented_shape() {
        let mut g = Generator::new(1);
        for i in 0..300 {
            let record = g.record(Kind::Mixed, i);
            // Valid JSON that survives a round trip.
            let text = record.to_string();
            assert_eq!(serde_json::from_str::<Json>(&text).unwrap(), record);
            match Kind::Mixed.of(i) {
                Kind::Pin => {
                    assert_eq!(
                        keys(&record),
                        [
                            "category",
                            "description",
                            "downloaded",
                            "follower_count",
                            "image_src",
                            "index",
                            "is_image_or_video",
                            "poster_name",
                            "save_location",
                            "tag_list",
                            "title",
                            "unique_id"
                        ]
                    );
                    assert_eq!(record["index"], i);
                    assert_eq!(record["unique_id"].as_str().unwrap().len(), 36);
                }
                Kind::Geo => {
                    assert_eq!(keys(&record), ["country", "ind", "latitude", "longitude", "timestamp"]);
                    let lat = record["latitude"].as_f64().unwrap();
                    let lon = record["longitude"].as_f64().unwrap();
                    assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
                    assert!(chrono::DateTime::parse_from_rfc3339(record["timestamp"].as_str().unwrap()).is_ok());
                }
                Kind::User => {
                    assert_eq!(keys(&record), ["age", "date_joined", "first_name", "ind", "last_name"]);
                    assert!((18..=80).contains(&record["age"].as_u64().unwrap()));
                    assert!(chrono::DateTime::parse_from_rfc3339(record["date_joined"].as_str().unwrap()).is_ok());
                }
                Kind::Mixed => unreachable!(),
            }
        }
    }
}
