-- Customer onboarding through the generic order flow (docs §3.1-3.2, §6.4).

-- An account made by an order is `new` (a draft only its order shows) until submit makes it
-- `pending`; its first provisioning step opens it. `language` is the order's choice.
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'en-US';
-- An Exchange domain an order sets up exists from its submit (the name is then taken) as
-- `pending`, hidden from every read, until its step opens it.
ALTER TABLE exchanges ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
-- The end customer's address an agent named when creating the order (docs `clientIp`).
ALTER TABLE orders ADD COLUMN client_ip TEXT;
-- A sequential order's steps run one after another (each queued when the one before it is
-- done): a generic order's, an account deletion's.
ALTER TABLE orders ADD COLUMN sequential BIGINT  NOT NULL DEFAULT 0;
-- A deleted account's domains keep their rows (orders refer to them) under a name that can
-- never be a domain's (`deleted-<id>.invalid`), so the domain is free; the name it had.
ALTER TABLE exchanges ADD COLUMN deleted_domain TEXT;

-- An account's attributes (docs §6.6): name and value. `partner_account_id` names the account
-- under /partnerAccounts/{value}/…, so it is unique in the franchise.
CREATE TABLE account_attributes (
    account_id   BIGINT  NOT NULL REFERENCES accounts (id),
    franchise_id BIGINT  NOT NULL REFERENCES franchises (id),
    name         TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE UNIQUE INDEX account_partner_ids ON account_attributes (franchise_id, value)
    WHERE name = 'partner_account_id';

-- What an order sets up on its account: the API user (its argon2id hash only), the contacts
-- (the docs' record per kind, JSON) and the payment method (masked, JSON: never a card number
-- or a verification code).
CREATE TABLE order_accounts (
    order_id      TEXT    PRIMARY KEY REFERENCES orders (id),
    user_name     TEXT,
    password_hash TEXT,
    contacts      TEXT,
    payment       TEXT,
    updated_at    BIGINT  NOT NULL
);

-- The products of an order (a catalog offering each) and their services.
CREATE TABLE order_products (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   TEXT    NOT NULL REFERENCES orders (id),
    plan       TEXT    NOT NULL,
    offering   TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX order_products_order ON order_products (order_id, id);

CREATE TABLE order_services (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           TEXT    NOT NULL REFERENCES orders (id),
    product_id         BIGINT  NOT NULL REFERENCES order_products (id),
    spec               TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    billing_cycle      BIGINT  NOT NULL,
    domain             TEXT,
    related_to         TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL
);
CREATE INDEX order_services_order ON order_services (order_id, product_id, id);

-- An account's payment methods (docs §6.4): only what may be shown (type, masked number,
-- expiry, holder, billing address) and a random token standing for the card.
CREATE TABLE payment_methods (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('credit_card', 'offline')),
    card_type       TEXT,
    masked          TEXT,
    expiration      TEXT,
    holder          TEXT,
    billing_address TEXT,
    token           TEXT    NOT NULL UNIQUE,
    is_default      BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX payment_methods_account ON payment_methods (account_id, id);
