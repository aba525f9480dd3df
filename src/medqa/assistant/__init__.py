"""One answer to one message: triage, retrieval, prompt, generation, guard and citations."""
