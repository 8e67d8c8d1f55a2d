-- Baseline schema. It must run on every supported server, down to Debian's ClickHouse 18.16: no
-- LowCardinality, codecs, TTL or skipping indexes here (0002 adds those where the server has them),
-- DateTime rather than DateTime64, UInt8 for booleans.

-- One row per mention (an item matched to one brand), as mention.Mention. The analyzer delivers at least
-- once, so a mention can be inserted more than once: ReplacingMergeTree keeps the latest insert of each
-- (brand, published, id) when parts merge, and exact counts read with FINAL.
CREATE TABLE IF NOT EXISTS mentions (
    id String,
    brand String,
    source String,
    source_name String,
    url String,
    title String,
    text String,
    author String,
    lang String,
    published DateTime('UTC'),
    fetched DateTime('UTC'),
    matched Array(String),
    sentiment Float32,
    label String,
    confidence Float32,
    abusive UInt8,
    inserted DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted)
PARTITION BY toYYYYMM(published)
ORDER BY (brand, published, id);

-- Mentions per minute, brand, source and sentiment label: what dashboards plot and what seeds the spike
-- detector after a restart. Rows of one key are summed when parts merge, so readers sum() again.
CREATE TABLE IF NOT EXISTS mention_minutes (
    brand String,
    minute DateTime('UTC'),
    source String,
    label String,
    mentions UInt64,
    negative UInt64,
    sentiment_sum Float64
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (brand, minute, source, label);

-- Feeds mention_minutes from every insert into mentions. The minute is the one mention.Time() gives:
-- the publication time, unless it is after the fetch time (bad feed dates), then the fetch time.
-- A mention delivered twice is counted twice here (the rollup is not deduplicated); exact counts come
-- from mentions FINAL.
CREATE MATERIALIZED VIEW IF NOT EXISTS mention_minutes_mv TO mention_minutes AS
SELECT
    brand,
    toStartOfMinute(if(fetched > toDateTime(0, 'UTC') AND published > fetched, fetched, published)) AS minute,
    source,
    label,
    count() AS mentions,
    countIf(label = 'negative') AS negative,
    sum(sentiment) AS sentiment_sum
FROM mentions
GROUP BY brand, minute, source, label;

-- Spike events, one row per state change of a spike (open, update, resolved), as store.Spike.
CREATE TABLE IF NOT EXISTS spikes (
    id String,
    brand String,
    kind String,
    state String,
    start DateTime('UTC'),
    at DateTime('UTC'),
    observed Float64,
    expected Float64,
    statistic Float64,
    score Float64,
    severity String,
    negative_share Float64,
    terms Array(String),
    sources Array(String),
    sample_ids Array(String),
    inserted DateTime('UTC') DEFAULT now()
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (brand, at);
