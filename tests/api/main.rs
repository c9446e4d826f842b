//! mailorder's integration tests: one binary; each scenario runs against a real server on
//! `127.0.0.1:0`, on SQLite and on PostgreSQL (`MAILORDER_TEST_POSTGRES`).

mod conformance;
mod helpers;
mod hygiene;

mod access;
mod account_status;
mod account_users;
mod accounts;
mod addons;
mod audit;
mod catalog;
mod chaos;
mod client;
mod cluster;
mod config;
mod crash;
mod hashing;
mod http_agent;
mod idempotency;
mod limits;
mod list;
mod lists;
mod long_poll;
mod mail_peers;
mod mailserver;
mod manage;
mod matrix;
mod matrix_orders;
mod objects;
mod onboarding;
mod openapi;
mod ops;
mod order_races;
mod orders;
mod paid;
mod postfix;
mod processes;
mod roles;
mod secrets;
mod security;
mod seed;
mod shutdown;
mod store;
mod validation;
mod webhooks;
