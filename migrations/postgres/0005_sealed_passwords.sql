-- The `http` driver hands the plain password to the mail platform's agent, so until the
-- creation step has succeeded the password is kept sealed (XChaCha20-Poly1305 under a key from
-- the configuration, bound to the address); the step's success erases it. NULL otherwise.
ALTER TABLE mailboxes ADD COLUMN password_sealed TEXT;
