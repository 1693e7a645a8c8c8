import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { User } from 'gatehouse-graphql';

/** The example's own entity, in the same MikroORM instance as Gatehouse's, pointing at a Gatehouse user. */
@Entity({ tableName: 'note' })
export class Note {
  [OptionalProps]?: 'id' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  author!: User;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

/** The example's own migration, run after Gatehouse's (see server.ts). */
export class CreateNotes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `note` (`id` text not null, `author_id` text not null, `text` text not null, `created_at` datetime not null, ' +
        'constraint `note_author_id_foreign` foreign key(`author_id`) references `gatehouse_user`(`id`) on delete cascade, primary key (`id`));',
    );
  }
}
