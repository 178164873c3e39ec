// The repository view (repo.html): api. Work in progress.
export {};
