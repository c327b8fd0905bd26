"""From article text to events: sentences, place mentions, typing, dates, fatalities,
actors, and the pipeline that merges them into events."""
