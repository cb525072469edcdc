//! Billing: statements built from the cloud's usage records, priced per offering with a monthly cap.
