"""Decisions made by two people (maker–checker): a 区域限批 decision or lift, or a quota
allocation, drafted by one user and applied only when another approves it. The page and the
command line take the same path (``drafts``) and leave the same audit rows."""
