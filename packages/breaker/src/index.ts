// Every public export is named here explicitly.
