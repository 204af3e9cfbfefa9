"""Readers paying a publication: paid tiers on the publication's Stripe Connect account.

connect_accounts (onboarding and state), tiers (products and prices), reader_billing
(Checkout, the portal, access), reader_sync (Stripe subscriptions onto Tend rows),
reader_access (signed links to paid issues), reader_erasure (an erased reader's payments),
paywall (where a paid issue's preview ends), issue_mail (each reader's version of an issue's
email), reader_mail, forms, tier_views (dashboard) and reader_views (public pages).
"""
