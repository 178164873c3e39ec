// The repository view (repo.html): treegrid. Work in progress.
export {};
