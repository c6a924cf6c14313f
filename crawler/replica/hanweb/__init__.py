"""A replica of the provincial union's site (大汉 Hanweb JCMS): lists in `<datastore>`, dataproxy paging, notices."""
