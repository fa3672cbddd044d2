export const toPromise = {};
