import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts: `email_verified` (addresses given before, by `users create --email`, count as
 * verified), e-mail unique case-insensitively, one-time tokens (hashes only) and the mail
 * outbox. Fails on a database holding two users whose addresses differ only in case: fix
 * those first.
 */
export class Migration20261202150000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "gatehouse_user" add column "email_verified" boolean not null default false;`);
    this.addSql(`update "gatehouse_user" set "email_verified" = true where "email" is not null;`);
    this.addSql(`create unique index "gatehouse_user_email_lower_unique" on "gatehouse_user" (lower("email")) where "email" is not null;`);

    this.addSql(`create table "gatehouse_one_time_token" ("id" uuid not null, "token_hash" varchar(64) not null, "purpose" varchar(8) not null, "user_id" uuid not null, "email" varchar(254) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "gatehouse_one_time_token_pkey" primary key ("id"));`);
    this.addSql(`alter table "gatehouse_one_time_token" add constraint "gatehouse_one_time_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "gatehouse_one_time_token_user_id_purpose_index" on "gatehouse_one_time_token" ("user_id", "purpose");`);
    this.addSql(`alter table "gatehouse_one_time_token" add constraint "gatehouse_one_time_token_user_id_foreign" foreign key ("user_id") references "gatehouse_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "gatehouse_mail_outbox" ("id" uuid not null, "recipient" varchar(254) not null, "template" varchar(64) not null, "user_id" uuid null, "payload" text null, "created_at" timestamptz not null, "attempts" int not null default 0, "next_attempt_at" timestamptz null, "locked_by" varchar(64) null, "locked_until" timestamptz null, "sent_at" timestamptz null, "last_error" varchar(500) null, constraint "gatehouse_mail_outbox_pkey" primary key ("id"));`);
    this.addSql(`create index "gatehouse_mail_outbox_sent_at_next_attempt_at_index" on "gatehouse_mail_outbox" ("sent_at", "next_attempt_at");`);
    this.addSql(`alter table "gatehouse_mail_outbox" add constraint "gatehouse_mail_outbox_user_id_foreign" foreign key ("user_id") references "gatehouse_user" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gatehouse_mail_outbox" cascade;`);
    this.addSql(`drop table if exists "gatehouse_one_time_token" cascade;`);
    this.addSql(`drop index if exists "gatehouse_user_email_lower_unique";`);
    this.addSql(`alter table "gatehouse_user" drop column "email_verified";`);
  }

}
