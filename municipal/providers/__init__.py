"""The gemeente's providers (functioneel beheer): one organisation record per KvK number serves every gemeente;
contracts belong to one gemeente and decide where its people can be enrolled.

services   search, register and update organisations; add and end contracts
rules      pure rules: enrolment at a contracted provider, KvK and DUO numbers, contract periods
forms      form values → an organisation or a contract; routes: the pages
"""
