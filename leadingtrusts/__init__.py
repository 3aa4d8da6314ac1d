"""LeadingTrusts: validated programme data, site build, members gateway."""
