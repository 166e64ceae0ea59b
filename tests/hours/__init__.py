"""Tests of volunteerkit.hours (a package so that ``strategies`` imports relatively)."""
