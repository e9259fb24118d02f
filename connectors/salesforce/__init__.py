"""Salesforce connector: leads, contacts, accounts, campaigns and their members, opportunities
and custom objects, on simple-salesforce. `connectors.salesforce.sandbox` is a local emulator of
a Salesforce org's REST API for tests, benchmarks and `hub sandbox salesforce`."""
