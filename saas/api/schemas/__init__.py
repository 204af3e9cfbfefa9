"""The API's request and response bodies as pydantic models, one module per resource.

They are the OpenAPI document's schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses) and what
every call is checked against. Rules a form in the dashboard also applies (addresses, slugs,
web addresses) run through the same validators from saas.core.validators (`common.form_rule`),
so a value the dashboard refuses is refused here with the same words.
"""
