"""HubSpot connector: CRM contacts, companies, deals, lists and signed webhooks.

`connectors.hubspot.sandbox` is a local emulator of HubSpot's API used by tests, benchmarks and
the demo; `connectors.hubspot.signature` computes and checks HubSpot's webhook signatures.
"""
