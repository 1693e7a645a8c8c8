import { EventEmitter, on } from 'node:events';
import type { GatehouseContext } from 'gatehouse-graphql';
import { User } from 'gatehouse-graphql';
import { Note } from './note';

/** The example's own event source: every note added (one process; a real app would use Redis or PostgreSQL here too). */
const notes = new EventEmitter();
notes.setMaxListeners(0);

/** The notes added from now on that `keep` accepts, each as `{ [field]: note }`, until the subscription ends. */
async function* added(field: string, keep: (note: NoteView) => boolean, signal?: AbortSignal): AsyncGenerator<Record<string, NoteView>> {
  for await (const [note] of on(notes, 'added', { signal }) as AsyncIterable<[NoteView]>) if (keep(note)) yield { [field]: note };
}

interface NoteView {
  id: string;
  text: string;
  author: string;
  authorId: string;
}

/**
 * The example's own SDL. `@auth` is declared by Gatehouse's schema (merged in server.ts);
 * here it protects a field, a field with roles, and a whole type.
 */
export const typeDefs = /* GraphQL */ `
  type Note {
    id: ID!
    text: String!
    author: String!
  }

  "Every field needs the admin role."
  type Stats @auth(roles: ["admin"]) {
    users: Int!
    notes: Int!
  }

  type Query {
    hello: String!
    myNotes: [Note!]! @auth
    stats: Stats!
  }

  type Mutation {
    addNote(text: String!): Note! @auth
  }

  # Over WebSocket (graphql-ws) on the same URL; @auth is checked when the subscription starts.
  type Subscription {
    "The caller's own notes, live, as they are added (from any of the caller's devices)."
    myNoteAdded: Note! @auth
    "Every note anyone adds, for administrators."
    noteAdded: Note! @auth(roles: ["admin"])
  }

  # Served from what the authPayload hook adds (see server.ts).
  extend type AuthPayload {
    welcome: String!
  }
`;

const view = (note: Note): NoteView => ({ id: note.id, text: note.text, author: note.author.username, authorId: note.author.id });

/** Resolvers get the caller from `context.gatehouse.principal()` and a request-scoped EntityManager from `context.gatehouse.em`. */
export const resolvers = {
  Query: {
    hello: () => 'Hello from an SDL-first server protected by Gatehouse.',
    myNotes: async (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => {
      const { user } = await gatehouse.principal();
      const notes = await gatehouse.em.find(Note, { author: user.id }, { populate: ['author'], orderBy: { createdAt: 'asc' } });
      return notes.map(view);
    },
    stats: () => ({}),
  },
  Stats: {
    users: (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => gatehouse.em.count(User),
    notes: (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => gatehouse.em.count(Note),
  },
  Mutation: {
    addNote: async (_: unknown, { text }: { text: string }, { gatehouse }: GatehouseContext) => {
      const { user } = await gatehouse.principal();
      const note = gatehouse.em.create(Note, { text, author: gatehouse.em.getReference(User, user.id) });
      await gatehouse.em.flush();
      await gatehouse.em.populate(note, ['author']);
      const shown = view(note);
      notes.emit('added', shown);
      return shown;
    },
  },
  Subscription: {
    myNoteAdded: {
      subscribe: async (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => {
        const { user } = await gatehouse.principal();
        return added('myNoteAdded', (note) => note.authorId === user.id);
      },
    },
    noteAdded: { subscribe: () => added('noteAdded', () => true) },
  },
};
