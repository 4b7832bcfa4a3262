import { OperatorNode, PrimitiveValueListNode, SqliteQueryCompiler, type BinaryOperationNode } from 'kysely';

/** Values json_each hands back as the same SQLite value a bound parameter would be. */
const jsonExact = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));

/**
 * SQLite's compiler with one change: a list of values on the right of IN / NOT IN binds as one
 * JSON array read by `json_each`, not one parameter per value. D1 refuses a statement with more
 * than 100 bound values, and lists a client controls (a key's inboxes, a filter, the Message-IDs
 * of a References header) can be longer. `x in (select value from json_each(?))` selects the same
 * rows as `x in (?, ?, …)` for text and integer values, which are all that is rewritten; anything
 * else compiles as SQLite's compiler does. Every SQL body gets this without knowing about it.
 */
export class D1QueryCompiler extends SqliteQueryCompiler {
  protected override visitBinaryOperation(node: BinaryOperationNode): void {
    const { leftOperand, operator, rightOperand } = node;
    const op = OperatorNode.is(operator) ? operator.operator : null;
    if ((op === 'in' || op === 'not in') && PrimitiveValueListNode.is(rightOperand) && rightOperand.values.every(jsonExact)) {
      this.visitNode(leftOperand);
      this.append(` ${op} (select value from json_each(`);
      this.appendValue(JSON.stringify(rightOperand.values));
      this.append('))');
      return;
    }
    super.visitBinaryOperation(node);
  }
}
