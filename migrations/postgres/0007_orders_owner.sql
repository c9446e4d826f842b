-- Every order of an OwnerId, open or not: a cookie is adopted only if the server minted it,
-- i.e. some order already carries it.
CREATE INDEX orders_owner ON orders (owner_id);
