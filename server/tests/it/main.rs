#![recursion_limit = "512"]
//! The one integration-test binary (link time dominates on small machines): the portal and its
//! embedded org started on port 0 with a temporary data directory, driven over real HTTP.

mod actions;
mod approvals;
mod asa;
mod audit;
mod exports;
mod external_org;
mod health;
mod helpers;
mod jobs;
mod mail;
mod people;
mod playbook;
mod replicas;
mod reviews;
mod saved_views;
mod schedule;
mod security;
mod signin;
mod site;
mod step_up;
