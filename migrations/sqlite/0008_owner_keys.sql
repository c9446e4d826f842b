-- OwnerId cookies are kept as the SHA-256 of their value (hex), never as themselves. Rows
-- written before hold the cookie itself: while this marker has a row, the application rehashes
-- them at start (Store::open, rehash_legacy_owner_ids) and then empties it.
CREATE TABLE owner_rehash_pending (pending INTEGER NOT NULL);
INSERT INTO owner_rehash_pending (pending) VALUES (1);
