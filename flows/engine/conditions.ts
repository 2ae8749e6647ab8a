/**
 * The router's field-condition semantics (router/match.ts), which a flow step's `where` shares
 * with a route's `fields`: decimals are exact strings, `range` compares them as numbers, a dot
 * path reads into the decoded event. One import site, so the semantics cannot drift apart.
 */
export { testCondition, valueAt } from '../../router';
