import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts: `email_verified` (addresses given before, by `users create --email`, count as
 * verified), e-mail unique case-insensitively, one-time tokens (hashes only) and the mail
 * outbox. Fails on a database holding two users whose addresses differ only in case: fix
 * those first.
 */
export class Migration20261202150000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`gatehouse_user\` add column \`email_verified\` integer not null default false;`);
    this.addSql(`update \`gatehouse_user\` set \`email_verified\` = true where \`email\` is not null;`);
    this.addSql(`create unique index \`gatehouse_user_email_lower_unique\` on \`gatehouse_user\` (lower(\`email\`)) where \`email\` is not null;`);

    this.addSql(`create table \`gatehouse_one_time_token\` (\`id\` text not null, \`token_hash\` text not null, \`purpose\` text not null, \`user_id\` text not null, \`email\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`gatehouse_one_time_token_user_id_foreign\` foreign key(\`user_id\`) references \`gatehouse_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`gatehouse_one_time_token_token_hash_unique\` on \`gatehouse_one_time_token\` (\`token_hash\`);`);
    this.addSql(`create index \`gatehouse_one_time_token_user_id_index\` on \`gatehouse_one_time_token\` (\`user_id\`);`);
    this.addSql(`create index \`gatehouse_one_time_token_user_id_purpose_index\` on \`gatehouse_one_time_token\` (\`user_id\`, \`purpose\`);`);

    this.addSql(`create table \`gatehouse_mail_outbox\` (\`id\` text not null, \`recipient\` text not null, \`template\` text not null, \`user_id\` text null, \`payload\` text null, \`created_at\` datetime not null, \`attempts\` integer not null default 0, \`next_attempt_at\` datetime null, \`locked_by\` text null, \`locked_until\` datetime null, \`sent_at\` datetime null, \`last_error\` text null, constraint \`gatehouse_mail_outbox_user_id_foreign\` foreign key(\`user_id\`) references \`gatehouse_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`gatehouse_mail_outbox_user_id_index\` on \`gatehouse_mail_outbox\` (\`user_id\`);`);
    this.addSql(`create index \`gatehouse_mail_outbox_sent_at_next_attempt_at_index\` on \`gatehouse_mail_outbox\` (\`sent_at\`, \`next_attempt_at\`);`);
  }

}
