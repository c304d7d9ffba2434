"""Command-line tools around the synthesized cloud assembly (summary, local loop)."""
