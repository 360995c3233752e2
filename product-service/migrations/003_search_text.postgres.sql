-- search_products matched every term against lower(name), lower(description), lower(category_id)
-- and the category's lower(name): four lower() + LIKE per product and term. search_text keeps
-- those four lowered fields joined by chr(31), so a term without chr(31) matches search_text
-- exactly when it matches one of the fields: one LIKE per term (search.ts matches a term that
-- holds chr(31) field by field).
-- It is lowered here by the database's own lower(), so matching stays what it was. Triggers keep
-- it current for every write (imports, seeds, plain UPDATEs, a renamed category); a generated
-- column cannot read the categories table. The functions keep the search_path of this migration
-- (the service's schema), so a write from a session with another one (an operator's psql) still
-- finds categories. Function bodies sit on one line: migrations split statements at a ";" ending a line.
ALTER TABLE products ADD COLUMN IF NOT EXISTS search_text TEXT NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION product_search_text(name TEXT, description TEXT, category_id TEXT) RETURNS TEXT LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$ SELECT lower($1) || chr(31) || lower($2) || chr(31) || lower($3) || chr(31) || coalesce((SELECT lower(c.name) FROM categories c WHERE c.id = $3), '') $$;

CREATE OR REPLACE FUNCTION products_set_search_text() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN NEW.search_text := product_search_text(NEW.name, NEW.description, NEW.category_id); RETURN NEW; END $$;

DROP TRIGGER IF EXISTS products_search_text ON products;

CREATE TRIGGER products_search_text BEFORE INSERT OR UPDATE OF name, description, category_id ON products FOR EACH ROW EXECUTE FUNCTION products_set_search_text();

CREATE OR REPLACE FUNCTION categories_update_search_text() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN UPDATE products p SET search_text = product_search_text(p.name, p.description, p.category_id) WHERE p.category_id = NEW.id; RETURN NULL; END $$;

DROP TRIGGER IF EXISTS categories_search_text ON categories;

CREATE TRIGGER categories_search_text AFTER UPDATE OF id, name ON categories FOR EACH ROW EXECUTE FUNCTION categories_update_search_text();

-- Backfill the rows written before this migration.
UPDATE products p SET search_text = product_search_text(p.name, p.description, p.category_id);
