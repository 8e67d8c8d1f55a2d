-- min-server-version: 21.8
-- Storage features of newer servers: dictionary-encoded low-cardinality columns, stronger compression of
-- the text, and a token bloom filter index so word searches (hasToken(lower(text), 'panne')) skip most
-- granules. Columns of the sorting keys keep their type: changing it would rewrite the key.

ALTER TABLE mentions
    MODIFY COLUMN source LowCardinality(String),
    MODIFY COLUMN source_name LowCardinality(String),
    MODIFY COLUMN lang LowCardinality(String),
    MODIFY COLUMN label LowCardinality(String),
    MODIFY COLUMN text String CODEC(ZSTD(3)),
    MODIFY COLUMN title String CODEC(ZSTD(3));

ALTER TABLE mentions ADD INDEX IF NOT EXISTS text_tokens lower(text) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 4;

ALTER TABLE spikes
    MODIFY COLUMN kind LowCardinality(String),
    MODIFY COLUMN state LowCardinality(String),
    MODIFY COLUMN severity LowCardinality(String);
