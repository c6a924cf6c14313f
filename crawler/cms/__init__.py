"""Page objects per kind of CMS: each module reads one CMS's list, article and notice pages."""
