// The repository view (repo.html): main. Work in progress.
export {};
